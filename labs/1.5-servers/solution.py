"""Reference solution for lab 1.5."""


def solve(env):
    env.boot("lab-web", metadata={"role": "web"})
