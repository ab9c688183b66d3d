"""Running untrusted candidate code: static validation, then an OS-isolated encoder and decoder."""
