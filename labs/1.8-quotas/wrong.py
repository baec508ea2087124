"""A wrong but plausible solution of lab 1.8: the limits read off the wrong rows (cores as instances and the
other way round). Its checks must fail."""

FAILS = ("instances", "cores")


def solve(env):
    limits = env.conn.compute.get("/limits").json()["limits"]["absolute"]
    env.conn.image.create_image(name="quota-answers", disk_format="raw", container_format="bare",
                                max_instances=str(limits["maxTotalCores"]),
                                max_cores=str(limits["maxTotalInstances"]), allow_duplicates=True)
