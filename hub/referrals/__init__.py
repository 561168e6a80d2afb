"""Referrals: the child (minimal, encrypted), consent, the referral and its targets, their lifecycle."""
