"""The image service's policy rules (see lab.cloud.policy), named as Glance names them (glance/policies/
image.py), one per operation. The target's `project_id` is the image's owner (the project a member checks
against), or the caller's own project for list and create.

Who sees an image (public, own, shared with an accepted membership, community) is Glance's visibility logic,
not a rule; an operator sees every image (`context_is_admin`, the rule Glance names for it too).
"""

from lab.cloud.policy import Rule

_READER = "rule:project_reader_or_admin"
_MEMBER = "rule:project_member_or_admin"
_IMAGE = "/image/v2/images/{image_id}"

RULES: tuple[Rule, ...] = (
    Rule("get_images", _READER, "List the images the caller can see.", (("GET", "/image/v2/images"),)),
    Rule("get_image", _READER, "Show an image the caller can see.", (("GET", _IMAGE),)),
    Rule("add_image", _MEMBER, "Create an image (queued, owned by the caller's project).",
         (("POST", "/image/v2/images"),)),
    Rule("modify_image", _MEMBER, "Update an image (JSON patch) or its tags, stage and import its data: a member "
         "of its owner.", (("PATCH", _IMAGE), ("PUT", _IMAGE + "/tags/{tag}"), ("DELETE", _IMAGE + "/tags/{tag}"),
                           ("PUT", _IMAGE + "/stage"), ("POST", _IMAGE + "/import"))),
    Rule("publicize_image", "rule:context_is_admin", "Make an image public (visibility `public`).",
         (("POST", "/image/v2/images"), ("PATCH", _IMAGE))),
    Rule("communitize_image", _MEMBER, "Make an image a community image (visibility `community`).",
         (("POST", "/image/v2/images"), ("PATCH", _IMAGE))),
    Rule("delete_image", _MEMBER, "Delete an image that is not protected: a member of its owner.",
         (("DELETE", _IMAGE),)),
    Rule("upload_image", _MEMBER, "Upload an image's data: a member of its owner.", (("PUT", _IMAGE + "/file"),)),
    Rule("download_image", _READER, "Download an image's data.", (("GET", _IMAGE + "/file"),)),
    Rule("deactivate", _MEMBER, "Deactivate an image (its data can no longer be downloaded or booted).",
         (("POST", _IMAGE + "/actions/deactivate"),)),
    Rule("reactivate", _MEMBER, "Reactivate a deactivated image.", (("POST", _IMAGE + "/actions/reactivate"),)),
    Rule("get_members", _READER, "List a shared image's members (a member project sees only itself).",
         (("GET", _IMAGE + "/members"),)),
    Rule("get_member", _READER, "Show one member of a shared image.", (("GET", _IMAGE + "/members/{member_id}"),)),
    Rule("add_member", _MEMBER, "Offer a shared image to another project: a member of its owner.",
         (("POST", _IMAGE + "/members"),)),
    Rule("modify_member", _MEMBER, "Accept or reject an offered image: a member of the member project.",
         (("PUT", _IMAGE + "/members/{member_id}"),)),
    Rule("delete_member", _MEMBER, "Withdraw a shared image from a project: a member of its owner.",
         (("DELETE", _IMAGE + "/members/{member_id}"),)),
)
