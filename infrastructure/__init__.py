"""What every app builds on and none owns: abuse limits, admission of a herd, the client's address
behind proxies, JSON from outside, sends to closed websockets, database work from async code,
background tasks, signed links, the site's address, the content policy, sessions, upload limits,
the websocket's lazy sign-in, and page extras (how a higher app adds to a lower app's page). It
imports no app of the project; the project's shell (liveshop/) and every app may import it."""
