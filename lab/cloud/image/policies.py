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
    Rule("tasks_api_access", "rule:context_is_admin", "The tasks API (the lab's tasks are its image imports): "
         "operators only, as in Glance.", (("GET", "/image/v2/tasks"), ("GET", "/image/v2/tasks/{task_id}"))),
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

# The metadata definitions catalog (metadefs.py): Glance's metadef rules, reading for anyone (`metadef_default`,
# empty) and writing for operators (`metadef_admin`, which Glance defines as `role:admin`).
_NS = "/image/v2/metadefs/namespaces/{namespace_name}"
_ANYONE, _OPERATOR = "", "rule:context_is_admin"
METADEF_RULES: tuple[Rule, ...] = tuple(Rule(name, check, description, operations) for name, check, description,
                                        operations in (
    ("get_metadef_namespaces", _ANYONE, "List metadata definition namespaces (a private one: its owner).",
     (("GET", "/image/v2/metadefs/namespaces"),)),
    ("get_metadef_namespace", _ANYONE, "Show a namespace with its properties, objects and tags.",
     (("GET", _NS),)),
    ("add_metadef_namespace", _OPERATOR, "Create a namespace.", (("POST", "/image/v2/metadefs/namespaces"),)),
    ("modify_metadef_namespace", _OPERATOR, "Update (or rename) a namespace.", (("PUT", _NS),)),
    ("delete_metadef_namespace", _OPERATOR, "Delete a namespace that is not protected, or all its objects or "
     "properties.", (("DELETE", _NS), ("DELETE", _NS + "/objects"), ("DELETE", _NS + "/properties"))),
    ("get_metadef_objects", _ANYONE, "List a namespace's objects.", (("GET", _NS + "/objects"),)),
    ("get_metadef_object", _ANYONE, "Show an object.", (("GET", _NS + "/objects/{object_name}"),)),
    ("add_metadef_object", _OPERATOR, "Create an object.", (("POST", _NS + "/objects"),)),
    ("modify_metadef_object", _OPERATOR, "Update an object.", (("PUT", _NS + "/objects/{object_name}"),)),
    ("delete_metadef_object", _OPERATOR, "Delete an object.", (("DELETE", _NS + "/objects/{object_name}"),)),
    ("get_metadef_properties", _ANYONE, "List a namespace's property definitions.",
     (("GET", _NS + "/properties"),)),
    ("get_metadef_property", _ANYONE, "Show a property definition.",
     (("GET", _NS + "/properties/{property_name}"),)),
    ("add_metadef_property", _OPERATOR, "Create a property definition.", (("POST", _NS + "/properties"),)),
    ("modify_metadef_property", _OPERATOR, "Update a property definition.",
     (("PUT", _NS + "/properties/{property_name}"),)),
    ("remove_metadef_property", _OPERATOR, "Delete a property definition.",
     (("DELETE", _NS + "/properties/{property_name}"),)),
    ("get_metadef_tags", _ANYONE, "List a namespace's tags.", (("GET", _NS + "/tags"),)),
    ("get_metadef_tag", _ANYONE, "Show a tag.", (("GET", _NS + "/tags/{tag_name}"),)),
    ("add_metadef_tags", _OPERATOR, "Set (or, with X-OpenStack-Append, add) a namespace's tags.",
     (("POST", _NS + "/tags"),)),
    ("add_metadef_tag", _OPERATOR, "Create a tag.", (("POST", _NS + "/tags/{tag_name}"),)),
    ("modify_metadef_tag", _OPERATOR, "Rename a tag.", (("PUT", _NS + "/tags/{tag_name}"),)),
    ("delete_metadef_tag", _OPERATOR, "Delete a tag.", (("DELETE", _NS + "/tags/{tag_name}"),)),
    ("delete_metadef_tags", _OPERATOR, "Delete all of a namespace's tags.", (("DELETE", _NS + "/tags"),)),
    ("list_metadef_resource_types", _ANYONE, "List the resource types namespaces apply to.",
     (("GET", "/image/v2/metadefs/resource_types"),)),
    ("get_metadef_resource_type", _ANYONE, "List a namespace's resource type associations.",
     (("GET", _NS + "/resource_types"),)),
    ("add_metadef_resource_type_association", _OPERATOR, "Associate a namespace with a resource type.",
     (("POST", _NS + "/resource_types"),)),
    ("remove_metadef_resource_type_association", _OPERATOR, "Remove a namespace's resource type association.",
     (("DELETE", _NS + "/resource_types/{resource_type}"),)),
))
RULES = RULES + METADEF_RULES
