"""Sessions read from the cache (Redis), and from the database on a miss or while Redis is down.

Django's cached_db store already falls back to the database when the cache cannot be read, but then
fails on putting the session back into the cache: a signed-in viewer's first chat message during a
Redis restart would close their socket. Here that write is skipped instead (logged), as Django
already does when saving a session.
"""

import logging

from django.contrib.sessions.backends import cached_db

log = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if not stored:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            log.warning("Could not put a session into the cache", exc_info=True)
        return data
