"""Reference solution for lab 1.1."""


def solve(env):
    url = env.conn.session.get_endpoint(service_type="compute", interface="public")
    env.conn.image.create_image(name="whoami", disk_format="raw", container_format="bare",
                                project_id=env.project_id, compute_url=url, allow_duplicates=True)
