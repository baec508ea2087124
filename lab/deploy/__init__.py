"""Deploying StackLab to a machine over SSH (Fabric tasks) and running the classroom VM (Vagrant).

`artifacts` builds what is shipped (a wheelhouse, so the target needs no internet), `tasks` holds the idempotent
Fabric steps that install and start StackLab on any SSH host, `box` builds an offline Debian box for Vagrant.
"""
