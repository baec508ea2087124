"""Talking to a running lab as its admin, for CLI commands such as `stacklab clock`.

Which lab, and as whom: `--cloud NAME` means that clouds.yaml entry. Otherwise, when the command's flags or the
`STACKLAB_*` environment name a lab (`--data-dir`, `--port`, STACKLAB_DATA_DIR, ...), that lab is meant: its
settings, its recorded address and the admin password in its data directory, whatever clouds.yaml says (a
`stacklab` entry written by another lab must not redirect the command). With neither, the `stacklab` entry of
clouds.yaml is used, read by openstacksdk's own config loader so every clouds.yaml feature works, and without
one (a lab started with --no-clouds-yaml) the default lab's settings.
Requests go through a keystoneauth session to the catalog's `stacklab` endpoint, like any OpenStack client.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx

from lab import clouds_yaml
from lab.config import Settings


class LabNotRunning(Exception):
    """Nothing answers at the lab's URL."""


class AdminClientError(Exception):
    """The lab answered, but not with success (bad credentials, policy, bad input); the message says why."""


class LabAdminClient:
    """An admin session on a running lab's /lab/v1 API."""

    def __init__(self, settings: Settings, cloud_name: str | None = None, prefer_settings: bool = False):
        import keystoneauth1.adapter

        session, self.auth_url, region = _session(settings, cloud_name, prefer_settings)
        self.adapter = keystoneauth1.adapter.Adapter(session, service_type="stacklab", interface="public",
                                                     region_name=region)

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """`method` `path` (relative to /lab/v1) with a JSON body; the JSON answer.
        Raises LabNotRunning or AdminClientError with a message meant for a person."""
        from keystoneauth1 import exceptions

        _check_running(self.auth_url)
        try:
            response = self.adapter.request(path, method, json=body, raise_exc=False)
        except exceptions.ConnectionError:
            raise LabNotRunning(_not_running(self.auth_url)) from None
        except exceptions.ClientException as exc:  # authentication failed, no stacklab endpoint, ...
            raise AdminClientError(f"{exc}") from None
        if response.status_code >= 400:
            try:
                message = response.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = response.text
            raise AdminClientError(f"{message} (HTTP {response.status_code})")
        if response.status_code == 204:  # a delete: no body
            return {}
        return dict(response.json())


def config_files() -> list[str]:
    """Where clouds.yaml is looked for, as openstacksdk does, but computed now: openstacksdk fixes its search
    path when first imported. $OS_CLIENT_CONFIG_FILE comes first (the loader only reads it itself when it
    also loads OS_* variables)."""
    here = clouds_yaml.clouds_yaml_path({k: v for k, v in os.environ.items() if k != "OS_CLIENT_CONFIG_FILE"})
    override = [os.environ["OS_CLIENT_CONFIG_FILE"]] if os.environ.get("OS_CLIENT_CONFIG_FILE") else []
    return [*override, str(Path.cwd() / "clouds.yaml"), str(here),
            str(Path.home() / ".config/openstack/clouds.yaml"), "/etc/openstack/clouds.yaml"]


def _session(settings: Settings, cloud_name: str | None,
             prefer_settings: bool) -> tuple[Any, str, str | None]:
    """(keystoneauth session, auth URL, region) from the named clouds.yaml entry or the lab's settings
    (see the module docstring for which)."""
    import openstack.config
    from openstack.exceptions import ConfigException

    name = cloud_name or clouds_yaml.ADMIN_CLOUD
    try:
        if cloud_name is None and prefer_settings:
            raise ConfigException("the lab is named by flags or STACKLAB_* variables")
        files = config_files()
        region = openstack.config.OpenStackConfig(load_envvars=False, config_files=files).get_one(cloud=name)
        return region.get_session(), str(region.config["auth"]["auth_url"]), region.get_region_name()
    except ConfigException:
        if cloud_name is not None:
            raise AdminClientError(f"no cloud named {cloud_name!r} in your clouds.yaml "
                                   f"({clouds_yaml.clouds_yaml_path()})") from None
    # No `stacklab` entry: the lab's own settings.
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    password = clouds_yaml.admin_password(settings)
    auth_url = f"{settings.endpoint}/identity"
    if password is None:
        _check_running(auth_url)
        raise AdminClientError(f"no admin password found in {settings.data_dir}: pass --cloud NAME or set "
                               "STACKLAB_DATA_DIR / STACKLAB_ADMIN_PASSWORD")
    auth = v3.Password(auth_url=f"{auth_url}/v3", username="admin", password=password, project_name="admin",
                       user_domain_name="Default", project_domain_name="Default")
    return session.Session(auth=auth), auth_url, "RegionOne"


def _not_running(auth_url: str) -> str:
    base = auth_url.rstrip("/").removesuffix("/v3").removesuffix("/identity")
    return f"StackLab is not running at {base}: start it with `make up` or `stacklab up`"


def _check_running(auth_url: str) -> None:
    """Raise LabNotRunning unless something answers at the auth URL (a quick probe, for a clear message)."""
    try:
        httpx.get(auth_url, timeout=3)
    except httpx.TransportError:
        raise LabNotRunning(_not_running(auth_url)) from None
