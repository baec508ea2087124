"""The mini-cloud: identity, compute, images, networking, volumes and billing in one process."""
