"""Value checks of PS3.5 (encoding) and PS3.6 (dictionary), run on every element."""
