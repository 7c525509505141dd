"""How two email addresses are compared: exactly, once each is in its key form.

`email_key` trims the address and lowers its ASCII letters, nothing else. Unicode case folding
would make different mailboxes equal: PostgreSQL's UPPER() of the dotless i (U+0131) is "I", so
`email__iexact` matched a registrable look-alike of gmail.com with gmail.com, and Python's lower()
turns the Kelvin sign (U+212A) into "k". The same class as Django's CVE-2019-19844. An address
typed with other capitals than its owner's outside ASCII then does not match: a missed match,
never a wrong one.
"""

ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def email_key(address: str) -> str:
    return address.strip().translate(ASCII_LOWER)
