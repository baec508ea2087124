"""Reference solution for lab 1.3."""


def solve(env):
    cirros = env.conn.image.find_image("cirros")
    data = env.conn.image.download_image(cirros).content
    image = env.conn.image.create_image(name="lab-cirros", disk_format="qcow2", container_format="bare",
                                        visibility="private", min_ram=64, allow_duplicates=True)
    env.conn.image.put(f"/images/{image.id}/file", data=data, headers={"Content-Type": "application/octet-stream"})
    env.conn.image.update_image(image, os_distro="cirros")
