"""A wrong but plausible solution of lab 1.1: the project's name where its id belongs, and the identity
endpoint (the one in clouds.yaml) as the compute URL. Its checks must fail."""

FAILS = ("project_id", "compute_url")


def solve(env):
    url = env.conn.session.get_endpoint(service_type="identity", interface="public")
    env.conn.image.create_image(name="whoami", disk_format="raw", container_format="bare",
                                project_id=env.project_name, compute_url=url, allow_duplicates=True)
