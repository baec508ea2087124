"""One module per console screen; `base.py` holds what they share and `dialogs.py` the modal dialogs."""
