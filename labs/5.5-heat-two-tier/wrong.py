"""A wrong but plausible solution of lab 5.5: the values typed as --parameter, the environment file forgotten,
so db_size keeps the template's default of 1. Its checks must fail."""

FAILS = ("environment",)

from pathlib import Path  # noqa: E402

HERE = Path(__file__).parent


def solve(env):
    env.conn.create_stack("tiers", template_file=str(HERE / "two-tier.yaml"), wait=True, image="cirros",
                          flavor="m1.nano", public_net=env.external_network().name)
