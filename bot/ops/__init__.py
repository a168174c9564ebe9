"""Running the bot for a real day: health and metrics endpoint, JSON logs, preflight, backups.

Nothing here is imported at start-up unless it is used: the endpoint's web server and
prometheus-client only load when ``[ops] http_port`` (or ``CCEI_HTTP_PORT``) turns it on.
"""
