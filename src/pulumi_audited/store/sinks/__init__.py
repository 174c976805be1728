"""Where `forward:` sends records as they are written: a sink is a URL (url.py) naming a
transport (syslog.py for syslog over TCP, TLS or UDP; https.py for webhooks and Splunk HEC)
and the format each record travels in (messages.py). store/forward_queue.py keeps each
sink's records until it acknowledged them; store/forwarder.py ships them.
"""
