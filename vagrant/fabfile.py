"""Fabric's own entry point for the classroom deployment: `fab -H vagrant@host deploy` (or packages, install,
configure, service, check) runs the tasks of lab/deploy/tasks.py, the same ones `stacklab deploy` runs."""

from lab.deploy.tasks import check, configure, deploy_task, install, packages, service

__all__ = ["check", "configure", "deploy_task", "install", "packages", "service"]
