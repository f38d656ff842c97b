"""gunicorn's settings for Steward's web processes: ``gunicorn stewardship.wsgi -c python:stewardship.gunicorn``.

Command-line options (``--bind``, ``--workers``, ``--access-logfile``) add to these or override them.
"""

# Access-log lines without personal query values (?email=..., the search box): stewardship.logs.
logger_class = "stewardship.logs.GunicornLogger"
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
