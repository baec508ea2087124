"""A wrong but plausible solution of lab 1.3: some bytes uploaded with the qcow2 label (Glance takes any data
under any label), not the cirros disk. Its checks must fail."""

FAILS = ("active",)


def solve(env):
    image = env.conn.image.create_image(name="lab-cirros", disk_format="qcow2", container_format="bare",
                                        visibility="private", min_ram=64, allow_duplicates=True)
    env.conn.image.put(f"/images/{image.id}/file", data=b"not a disk, just bytes\n" * 64,
                       headers={"Content-Type": "application/octet-stream"})
    env.conn.image.update_image(image, os_distro="cirros")
