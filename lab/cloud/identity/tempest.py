"""The tempest suite of the identity service: the tempest.api.identity tests that must pass against a live lab
(tests/tempest/test_tempest.py runs every plugin's suite), what still fails and why, and the tempest.conf
options the service needs."""

from __future__ import annotations

from lab.cloud.plugin import Tempest

TEMPEST = Tempest(
    "identity", "identity", "", (
        r"tempest\.api\.identity\.v3\.test_api_discovery",
        r"tempest\.api\.identity\.v3\.test_tokens",
        r"tempest\.api\.identity\.v3\.test_catalog",
        r"tempest\.api\.identity\.v3\.test_projects",
        r"tempest\.api\.identity\.v3\.test_domains",
        r"tempest\.api\.identity\.admin\.v3\.test_projects\.",
        r"tempest\.api\.identity\.admin\.v3\.test_projects_negative",
        r"tempest\.api\.identity\.admin\.v3\.test_project_tags",
        r"tempest\.api\.identity\.admin\.v3\.test_list_projects",
        r"tempest\.api\.identity\.admin\.v3\.test_users\.",
        r"tempest\.api\.identity\.admin\.v3\.test_users_negative",
        r"tempest\.api\.identity\.admin\.v3\.test_list_users",
        r"tempest\.api\.identity\.admin\.v3\.test_default_project_id",
        r"tempest\.api\.identity\.admin\.v3\.test_roles",
        r"tempest\.api\.identity\.admin\.v3\.test_domains\.",
        r"tempest\.api\.identity\.admin\.v3\.test_domains_negative",
        r"tempest\.api\.identity\.admin\.v3\.test_regions",
        r"tempest\.api\.identity\.admin\.v3\.test_services",
        r"tempest\.api\.identity\.admin\.v3\.test_endpoints\.",
        r"tempest\.api\.identity\.admin\.v3\.test_endpoints_negative",
        r"tempest\.api\.identity\.admin\.v3\.test_tokens",
    ), expected_failures={
        "tempest.api.identity.admin.v3.test_roles.RolesV3TestJSON":
            "the class setup creates a group; Keystone groups are not implemented",
        "tempest.api.identity.admin.v3.test_domains.DomainsTestJSON.test_domain_delete_cascades_content":
            "creates a group in the domain; groups are not implemented",
        "tempest.api.identity.admin.v3.test_tokens.TokensV3TestJSON.test_get_available_domain_scopes":
            "grants a domain role through a group; groups are not implemented",
        "tempest.api.identity.admin.v3.test_projects.ProjectsTestJSON.test_create_is_domain_project":
            "projects acting as domains (is_domain=true) are not supported",
    },
)
