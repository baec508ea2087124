"""Reference solution for lab 1.4."""

PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDz0dgm3b6mJmvxFvYfBgP0ho2gSxwkw1+X9oHf1qVgE "
              "student@stacklab")


def solve(env):
    env.conn.compute.create_keypair(name="lab-key", public_key=PUBLIC_KEY)
    env.boot("lab-small", key_name="lab-key")
