"""The Python source that render.py pastes into a candidate module, one module per codec block."""
