"""HOT templates: the version check, the sections, parameters (types, defaults, constraints), the environment,
and the intrinsic functions, evaluated against a `Scope` (parameters, conditions, and the resources the engine
has made so far).

What is checked here is what Heat checks before it creates anything (`template validate`, a create's 400):
the version, unknown sections, parameter values against their constraints, resource types, unknown resource
references. Function arguments are checked when evaluated, with Heat's wording where it is known.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from lab.cloud.errors import BadRequest

# HOT versions with their release aliases (Heat's heat/engine/hot/template.py), oldest first.
VERSIONS: dict[str, str] = {
    "2013-05-23": "", "2014-10-16": "", "2015-04-30": "", "2015-10-15": "", "2016-04-08": "",
    "2016-10-14": "newton", "2017-02-24": "ocata", "2017-09-01": "pike", "2018-03-02": "queens",
    "2018-08-31": "rocky", "2021-04-16": "wallaby",
}
ALIASES = {alias: version for version, alias in VERSIONS.items() if alias}
SECTIONS = {"heat_template_version", "description", "parameter_groups", "parameters", "resources", "outputs",
            "conditions"}
PARAMETER_TYPES = ("string", "number", "json", "comma_delimited_list", "boolean")
# Functions by name, with the HOT version that brought them (Heat's template functions list).
FUNCTIONS: dict[str, str] = {
    "get_param": "2013-05-23", "get_resource": "2013-05-23", "get_attr": "2013-05-23",
    "str_replace": "2013-05-23", "get_file": "2013-05-23", "list_join": "2014-10-16", "repeat": "2015-04-30",
    "str_split": "2015-10-15", "map_merge": "2016-10-14", "equals": "2016-10-14", "if": "2016-10-14",
    "not": "2016-10-14", "and": "2016-10-14", "or": "2016-10-14", "get_param_or_default": "2016-10-14",
}
FUNCTION_DESCRIPTIONS = {
    "get_param": "A function for resolving parameter references.",
    "get_resource": "A function for resolving resource references.",
    "get_attr": "A function for resolving resource attributes.",
    "str_replace": "A function for performing string substitutions.",
    "get_file": "A function for including a file inline.",
    "list_join": "A function for joining strings.",
    "repeat": "A function for iterating over a list of items.",
    "str_split": "A function for splitting strings.",
    "map_merge": "A function for merging maps.",
    "equals": "A function for comparing whether two values are equal.",
    "if": "A function to return corresponding value based on condition evaluation.",
    "not": "A function acts as a NOT operator.",
    "and": "A function acts as a AND operator.",
    "or": "A function acts as a OR operator.",
    "get_param_or_default": "A function for resolving parameter references with a default.",
}


class ValidationFailed(BadRequest):
    """Heat's StackValidationFailed (400)."""

    heat_type = "StackValidationFailed"


class InvalidTemplateVersion(BadRequest):
    heat_type = "InvalidTemplateVersion"


def version_of(template: dict[str, Any]) -> str:
    """The template's HOT version (aliases resolved); Heat's InvalidTemplateVersion otherwise."""
    available = ", ".join(VERSIONS)
    if "AWSTemplateFormatVersion" in template or "HeatTemplateFormatVersion" in template:
        key = "AWSTemplateFormatVersion" if "AWSTemplateFormatVersion" in template else "HeatTemplateFormatVersion"
        raise InvalidTemplateVersion(
            f'The template version is invalid: "{key}: {template[key]}". CFN templates are not served by this '
            f'cloud: "heat_template_version" should be one of: {available}')
    if "heat_template_version" not in template:
        raise InvalidTemplateVersion(
            "The template version is invalid: Template format version not found.")
    raw = template["heat_template_version"]
    value = raw.isoformat() if hasattr(raw, "isoformat") else str(raw)  # YAML reads 2015-04-30 as a date
    value = ALIASES.get(value, value)
    if value not in VERSIONS:
        raise InvalidTemplateVersion(f'The template version is invalid: "heat_template_version: {value}". '
                                     f'"heat_template_version" should be one of: {available}')
    return value


def parse(template: Any) -> dict[str, Any]:
    """A template as sent (a JSON object, or a YAML/JSON string), checked for its version and sections."""
    if isinstance(template, str):
        import yaml

        try:
            template = yaml.safe_load(template)
        except yaml.YAMLError as exc:
            raise BadRequest(f"Error parsing template: {exc}") from None
    if not isinstance(template, dict):
        raise BadRequest("The template is not a JSON object or YAML mapping.")
    version = version_of(template)
    template = {**template, "heat_template_version": version}
    for key in template:
        if key not in SECTIONS:
            raise ValidationFailed(f'The template section is invalid: {key}')
    for section in ("parameters", "resources", "outputs", "conditions"):
        value = template.get(section)
        if value is not None and not isinstance(value, dict):
            raise ValidationFailed(f'The template section is invalid: {section}: must be a map')
    for name, definition in (template.get("resources") or {}).items():
        if not isinstance(definition, dict) or not isinstance(definition.get("type"), str):
            raise ValidationFailed(f'Resource {name} is missing "type"')
        unknown = set(definition) - {"type", "properties", "depends_on", "metadata", "condition", "deletion_policy",
                                     "update_policy", "external_id"}
        if unknown:
            raise ValidationFailed(f'"{sorted(unknown)[0]}" is not a valid keyword inside a resource definition')
        if definition.get("properties") is not None and not isinstance(definition["properties"], dict):
            raise ValidationFailed(f"Property error: resources.{name}.properties: must be a map")
    return template


def parse_environment(environment: Any) -> dict[str, Any]:
    if environment is None or environment == "":
        return {}
    if isinstance(environment, str):
        import yaml

        try:
            environment = yaml.safe_load(environment) or {}
        except yaml.YAMLError as exc:
            raise BadRequest(f"Error parsing environment: {exc}") from None
    if not isinstance(environment, dict):
        raise BadRequest("The environment is not a JSON object or YAML mapping.")
    unknown = set(environment) - {"parameters", "parameter_defaults", "resource_registry", "event_sinks",
                                  "encrypted_param_names", "parameter_merge_strategies"}
    if unknown:
        raise ValidationFailed(f"environment has unknown section \"{sorted(unknown)[0]}\"")
    return environment


def resolve_type(environment: dict[str, Any], type_name: str) -> str:
    """A resource type after the environment's `resource_registry` aliases (one level, as most camps use)."""
    registry = environment.get("resource_registry") or {}
    target = registry.get(type_name)
    return target if isinstance(target, str) and target.startswith("OS::") else type_name


# ------------------------------------------------------------------------------------------------ parameters
def _fail_param(name: str, message: str) -> ValidationFailed:
    return ValidationFailed(f'Parameter \'{name}\' is invalid: {message}')


def _as_type(name: str, kind: str, value: Any) -> Any:
    """A value (often a string from the CLI) as the parameter's type."""
    if kind == "number":
        if isinstance(value, bool):
            raise _fail_param(name, f"Value '{value}' is not a number")
        if isinstance(value, (int, float)):
            return value
        try:
            text = str(value)
            return int(text) if re.fullmatch(r"[-+]?\d+", text.strip()) else float(text)
        except ValueError:
            raise _fail_param(name, f"Value '{value}' is not an integer") from None
    if kind == "boolean":
        if isinstance(value, bool):
            return value
        text = str(value).lower()
        if text in ("true", "t", "yes", "y", "on", "1"):
            return True
        if text in ("false", "f", "no", "n", "off", "0"):
            return False
        raise _fail_param(name, f"Unrecognized value \"{value}\", acceptable values are: true, false")
    if kind == "comma_delimited_list":
        if isinstance(value, list):
            return [str(v) for v in value]
        text = str(value)
        return [] if text == "" else [part.strip() for part in text.split(",")]
    if kind == "json":
        if isinstance(value, (dict, list)):
            return value
        try:
            return json.loads(str(value))
        except ValueError:
            raise _fail_param(name, f"Value must be valid JSON: {value}") from None
    if isinstance(value, (dict, list)):
        raise _fail_param(name, f"Value must be a string; got {json.dumps(value)}")
    return "" if value is None else str(value)


def _check_constraints(name: str, kind: str, value: Any, constraints: list[Any],
                       custom: Callable[[str, Any], str | None] | None) -> None:
    for constraint in constraints or []:
        if not isinstance(constraint, dict):
            continue
        why = constraint.get("description")
        if "length" in constraint:
            bounds, size = constraint["length"] or {}, len(value)
            low, high = bounds.get("min"), bounds.get("max")
            if (low is not None and size < low) or (high is not None and size > high):
                raise _fail_param(name, why or _range_text("length", low, high))
        if "range" in constraint:
            bounds = constraint["range"] or {}
            low, high = bounds.get("min"), bounds.get("max")
            number = value if kind == "number" else len(value)
            if (low is not None and number < low) or (high is not None and number > high):
                raise _fail_param(name, why or f"{value} is out of range (min: {low}, max: {high})")
        if "allowed_values" in constraint:
            allowed = constraint["allowed_values"] or []
            items = value if isinstance(value, list) else [value]
            if any(item not in allowed and str(item) not in [str(a) for a in allowed] for item in items):
                raise _fail_param(name, why or f'"{value}" is not an allowed value {allowed}')
        if "allowed_pattern" in constraint:
            pattern = str(constraint["allowed_pattern"])
            if not re.fullmatch(pattern, str(value)):
                raise _fail_param(name, why or f'"{value}" does not match pattern "{pattern}"')
        if "custom_constraint" in constraint and custom is not None:
            problem = custom(str(constraint["custom_constraint"]), value)
            if problem:
                raise _fail_param(name, why or problem)


def _range_text(what: str, low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"{what} must be between {low} and {high} characters."
    if low is not None:
        return f"{what} must be at least {low} characters."
    return f"{what} must be no greater than {high} characters."


def resolve_parameters(template: dict[str, Any], environment: dict[str, Any], given: dict[str, Any],
                       custom: Callable[[str, Any], str | None] | None = None) -> dict[str, Any]:
    """The parameters' values: given (the CLI's --parameter), then the environment's `parameters`, then its
    `parameter_defaults`, then the template's defaults; each checked against its type and constraints."""
    declared: dict[str, Any] = template.get("parameters") or {}
    sources = {**(environment.get("parameter_defaults") or {}), **(environment.get("parameters") or {}),
               **(given or {})}
    unknown = sorted(set(environment.get("parameters") or {}) | set(given or {}))
    unknown = [name for name in unknown if name not in declared]
    if unknown:
        raise ValidationFailed(f"The Parameter ({unknown[0]}) was not defined in template.")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        if not isinstance(spec, dict) or spec.get("type") not in PARAMETER_TYPES:
            kind = spec.get("type") if isinstance(spec, dict) else spec
            raise ValidationFailed(f'Invalid type ({kind}) of parameter "{name}"' if kind else
                                   f'Missing parameter type for parameter: {name}')
        kind = spec["type"]
        if name in sources:
            raw = sources[name]
        elif "default" in spec:
            raw = spec["default"]
        else:
            raise ValidationFailed(f"The Parameter ({name}) was not provided.")
        value = _as_type(name, kind, raw)
        _check_constraints(name, kind, value, spec.get("constraints") or [], custom)
        values[name] = value
    return values


def parameters_view(template: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """`template validate`'s Parameters: each declared parameter as Heat describes it."""
    out: dict[str, Any] = {}
    for name, spec in (template.get("parameters") or {}).items():
        kind = spec.get("type", "string")
        entry: dict[str, Any] = {"Type": {"string": "String", "number": "Number", "json": "Json",
                                          "comma_delimited_list": "CommaDelimitedList",
                                          "boolean": "Boolean"}.get(kind, kind),
                                 "Description": spec.get("description", ""), "Label": spec.get("label", name),
                                 "NoEcho": "true" if spec.get("hidden") else "false"}
        if "default" in spec:
            entry["Default"] = spec["default"]
        if name in values:
            entry["Value"] = values[name]
        for constraint in spec.get("constraints") or []:
            if "allowed_values" in constraint:
                entry["AllowedValues"] = constraint["allowed_values"]
            if "custom_constraint" in constraint:
                entry["CustomConstraint"] = constraint["custom_constraint"]
            for key, (low, high) in (("length", ("MinLength", "MaxLength")), ("range", ("MinValue", "MaxValue"))):
                if key in constraint:
                    if constraint[key].get("min") is not None:
                        entry[low] = constraint[key]["min"]
                    if constraint[key].get("max") is not None:
                        entry[high] = constraint[key]["max"]
        out[name] = entry
    return out


# ------------------------------------------------------------------------------------------------ functions
class NotReady(Exception):
    """A function refers to a resource that has not been made yet (the engine waits for it)."""


@dataclass
class Scope:
    """What functions are evaluated against. `ref(name)` and `attr(name, attribute, path)` answer for the
    resources (raise NotReady while one is not made); None of them during validation."""

    version: str
    parameters: dict[str, Any]
    pseudo: dict[str, Any] = field(default_factory=dict)  # OS::stack_name, OS::stack_id, OS::project_id
    files: dict[str, Any] = field(default_factory=dict)
    conditions: dict[str, bool] = field(default_factory=dict)
    resources: set[str] = field(default_factory=set)
    ref: Callable[[str], Any] | None = None
    attr: Callable[[str, str, list[Any]], Any] | None = None


def _bad(function: str, detail: str) -> ValidationFailed:
    return ValidationFailed(f'Arguments to "{function}" must be {detail}')


def _path(value: Any, path: list[Any]) -> Any:
    for key in path:
        if isinstance(value, list):
            try:
                value = value[int(key)]
            except (ValueError, IndexError, TypeError):
                return None
        elif isinstance(value, dict):
            value = value.get(key if key in value else str(key))
        else:
            return None
    return value


def evaluate(snippet: Any, scope: Scope) -> Any:
    """The snippet with every function call replaced by its value."""
    if isinstance(snippet, list):
        return [evaluate(item, scope) for item in snippet]
    if not isinstance(snippet, dict):
        return snippet
    if len(snippet) == 1:
        (key, args), = snippet.items()
        if key in FUNCTIONS:
            if FUNCTIONS[key] > scope.version:
                raise ValidationFailed(f'"{key}" is not supported in heat_template_version {scope.version}')
            return _call(key, args, scope)
        if key.startswith("Fn::") or key == "Ref":
            raise ValidationFailed(f'"{key}" : CFN functions are not supported in HOT templates')
    return {k: evaluate(v, scope) for k, v in snippet.items()}


def _call(name: str, args: Any, scope: Scope) -> Any:  # noqa: C901 - one branch per function, as Heat lists them
    if name in ("get_param", "get_param_or_default"):
        items = args if isinstance(args, list) else [args]
        items = [evaluate(a, scope) for a in items]
        if not items or not isinstance(items[0], str):
            raise _bad(name, "a parameter name and an optional path")
        values = {**scope.pseudo, **scope.parameters}
        if items[0] not in values:
            raise ValidationFailed(f'The Parameter ({items[0]}) was not provided.')
        return _path(values[items[0]], items[1:])
    if name == "get_resource":
        if not isinstance(args, str):
            raise _bad(name, "a resource name")
        if args not in scope.resources:
            raise ValidationFailed(f'The specified reference "{args}" (in unknown) is incorrect.')
        return scope.ref(args) if scope.ref else None
    if name == "get_attr":
        if not isinstance(args, list) or len(args) < 2 or not isinstance(args[0], str):
            raise _bad(name, "a resource name, an attribute and an optional path")
        if args[0] not in scope.resources:
            raise ValidationFailed(f'The specified reference "{args[0]}" (in unknown) is incorrect.')
        rest = [evaluate(a, scope) for a in args[1:]]
        return scope.attr(args[0], str(rest[0]), rest[1:]) if scope.attr else None
    if name == "str_replace":
        args = evaluate(args, scope)
        if not isinstance(args, dict) or "template" not in args or not isinstance(args.get("params"), dict):
            raise _bad(name, 'a map with "template" and "params"')
        text = _text(args["template"])
        for key, value in sorted(args["params"].items(), key=lambda kv: -len(str(kv[0]))):
            text = text.replace(str(key), _text(value))
        return text
    if name == "list_join":
        args = evaluate(args, scope)
        if not isinstance(args, list) or len(args) < 2 or not isinstance(args[0], str):
            raise _bad(name, "a delimiter and lists")
        joined: list[str] = []
        for part in args[1:]:
            if part is None:
                continue
            if not isinstance(part, list):
                raise _bad(name, "a delimiter and lists")
            joined += [_text(p) for p in part]
        return args[0].join(joined)
    if name == "str_split":
        args = evaluate(args, scope)
        if not isinstance(args, list) or len(args) not in (2, 3):
            raise _bad(name, "a delimiter, a string and an optional index")
        parts = _text(args[1]).split(str(args[0]))
        if len(args) == 3:
            try:
                return parts[int(args[2])]
            except (IndexError, ValueError):
                raise ValidationFailed(f'Incorrect index to "str_split" should be between 0 and '
                                       f'{len(parts) - 1}') from None
        return parts
    if name == "repeat":
        args = evaluate(args, scope)
        if not isinstance(args, dict) or not isinstance(args.get("for_each"), dict) or "template" not in args:
            raise _bad(name, 'a map with "for_each" and "template"')
        keys = list(args["for_each"])
        lists = [args["for_each"][k] or [] for k in keys]
        if any(not isinstance(items, list) for items in lists):
            raise _bad(name, 'a map of lists in "for_each"')
        return [_substitute(args["template"], dict(zip(keys, combo, strict=True))) for combo in _product(lists)]
    if name == "get_file":
        if not isinstance(args, str):
            raise _bad(name, "a file name")
        if args not in scope.files:
            raise ValidationFailed(f'No content found in the "files" section for get_file path: {args}')
        return scope.files[args]
    if name == "map_merge":
        args = evaluate(args, scope)
        if not isinstance(args, list) or any(not isinstance(m, dict) for m in args):
            raise _bad(name, "a list of maps")
        merged: dict[str, Any] = {}
        for part in args:
            merged.update(part)
        return merged
    if name == "equals":
        args = evaluate(args, scope)
        if not isinstance(args, list) or len(args) != 2:
            raise _bad(name, "a list of two values")
        return args[0] == args[1]
    if name == "if":
        if not isinstance(args, list) or len(args) != 3:
            raise _bad(name, "a condition and two values")
        return evaluate(args[1] if condition(args[0], scope) else args[2], scope)
    if name in ("not", "and", "or"):
        if name == "not":
            return not condition(args, scope)
        if not isinstance(args, list) or len(args) < 2:
            raise _bad(name, "a list of conditions")
        results = [condition(a, scope) for a in args]
        return all(results) if name == "and" else any(results)
    raise ValidationFailed(f'The function "{name}" is not supported')


def condition(snippet: Any, scope: Scope) -> bool:
    """A condition: a name from the template's `conditions`, a boolean, or a condition function."""
    if isinstance(snippet, str):
        if snippet not in scope.conditions:
            raise ValidationFailed(f'Invalid condition "{snippet}"')
        return scope.conditions[snippet]
    if isinstance(snippet, bool):
        return snippet
    value = evaluate(snippet, scope)
    if not isinstance(value, bool):
        raise ValidationFailed(f'The definition of condition "{snippet}" is invalid')
    return value


def conditions_of(template: dict[str, Any], scope: Scope) -> dict[str, bool]:
    out: dict[str, bool] = {}
    for name, snippet in (template.get("conditions") or {}).items():
        scope.conditions = out
        out[name] = condition(snippet, scope)
    return out


def _text(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _substitute(snippet: Any, values: dict[str, Any]) -> Any:
    if isinstance(snippet, str):
        for key, value in values.items():
            snippet = snippet.replace(key, _text(value))
        return snippet
    if isinstance(snippet, list):
        return [_substitute(s, values) for s in snippet]
    if isinstance(snippet, dict):
        return {_substitute(k, values): _substitute(v, values) for k, v in snippet.items()}
    return snippet


def _product(lists: list[list[Any]]) -> Iterator[tuple[Any, ...]]:
    if not lists:
        yield ()
        return
    for head in lists[0]:
        for tail in _product(lists[1:]):
            yield (head, *tail)


def references(snippet: Any) -> set[str]:
    """The resource names a snippet refers to (get_resource, get_attr): the dependencies it implies."""
    found: set[str] = set()
    if isinstance(snippet, list):
        for item in snippet:
            found |= references(item)
    elif isinstance(snippet, dict):
        if len(snippet) == 1:
            (key, args), = snippet.items()
            if key == "get_resource" and isinstance(args, str):
                return {args}
            if key == "get_attr" and isinstance(args, list) and args and isinstance(args[0], str):
                return {args[0]} | references(args[1:])
        for value in snippet.values():
            found |= references(value)
    return found
