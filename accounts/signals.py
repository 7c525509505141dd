"""Signals other apps listen to, so accounts need not know about them."""

from django.dispatch import Signal

# Sent after the commit, with `user` and `email`: the account proved it reads `email`.
# Checkout listens to give the account the guest orders placed with that address.
email_verified = Signal()
