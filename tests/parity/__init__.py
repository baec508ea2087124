"""Parity with real OpenStack: scenarios recorded against a real Zed cloud, replayed against the lab."""
