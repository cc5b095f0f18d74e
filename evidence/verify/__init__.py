"""Verification code: independent of the writing side, sharing only evidence.digest and evidence.canonical."""
