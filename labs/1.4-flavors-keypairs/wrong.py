"""A wrong but plausible solution of lab 1.4: the key pair and the server, but on a flavor that is not the
smallest. Its checks must fail."""

FAILS = ("smallest",)

PUBLIC_KEY = ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDz0dgm3b6mJmvxFvYfBgP0ho2gSxwkw1+X9oHf1qVgE "
              "student@stacklab")


def solve(env):
    env.conn.compute.create_keypair(name="lab-key", public_key=PUBLIC_KEY)
    flavors = sorted(env.conn.compute.flavors(), key=lambda f: (f.ram, f.vcpus, f.disk, f.name))
    env.boot("lab-small", key_name="lab-key", flavor_id=flavors[1].id)
