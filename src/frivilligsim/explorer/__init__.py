"""The scenario explorer's plain-Python parts; the page itself is ``frivilligsim/app.py``."""
