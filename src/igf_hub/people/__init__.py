"""People: what every domain needs to reach a person — notices (inbox and e-mail) and their settings.

A neutral layer like auth/: it imports no domain, and domains may import it (people/notices.py is the API).
"""
