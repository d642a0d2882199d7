"""The web layer's shared parts: templating, languages, formatting, the layout's static assets, the home page
frame, and the browser session with its CSRF check. It imports no domain: each domain's ``pages.py`` brings its
own pages and home sections, and app.py collects them (DESIGN.md §9)."""
