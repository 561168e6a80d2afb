"""Channels wired to referrals: provider webhooks (Twilio SMS and status, Telegram), signed e-mail
decision links, Telegram chat linking, the simulator page, and the messages referral events cause.

Views are thin (verify, parse, one service call, answer); the logic lives in `inbound` (replies that act)
and `outgoing` (messages written in the transaction of a referral change).
"""
