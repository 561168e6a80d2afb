"""Every periodic job, declared once: (dotted path of a no-argument job, interval in seconds).

Embedded mode runs them on a thread (hub.dispatch.PeriodicRunner); scale-out mode through the single
`rq cron` process configured by hub/cron_config.py.
"""

PERIODIC_JOBS: list[tuple[str, int]] = [
    ("hub.heartbeat.beat", 60),
    ("notifications.delivery.relay", 15),
    ("notifications.sweep.run", 60),
    ("notifications.watchdog.run", 60),
    ("hub.coordination.followups.remind_due_actions", 300),
]
