"""Reference solution for lab 1.8."""


def solve(env):
    limits = env.conn.compute.get("/limits").json()["limits"]["absolute"]
    env.conn.image.create_image(name="quota-answers", disk_format="raw", container_format="bare",
                                max_instances=str(limits["maxTotalInstances"]),
                                max_cores=str(limits["maxTotalCores"]), allow_duplicates=True)
