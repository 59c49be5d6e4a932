"""Lints every IAM policy document of rendered Code Remote programs with parliament, which knows
AWS's IAM definitions: unknown actions, resources an action cannot take, condition keys an action
does not have or values of the wrong type. moto does not enforce IAM, so without this a policy
AWS would refuse or ignore passes every other test.

Usage: .venv/bin/python scripts/iam-lint.py PROGRAM.json...   (JSON renders of `infra render` or
`infra bootstrap`). Prints one line per finding and exits 1 when there is any.

References (`${resource.output}`) are replaced by example values of the resource's type, in the
account 123456789012 and region eu-west-1. Left out on purpose, because parliament lints identity
policies: trust policies (they have a principal and no resource), a key policy's or the
permissions boundary's `Resource: *` (in a key policy `*` is that key; the boundary is a ceiling,
not a grant), and JSON that is no policy (a queue's redrive policy).
"""

import json
import re
import sys

from parliament import analyze_policy_string

ACCOUNT = "123456789012"
REGION = "eu-west-1"
BOUNDARY = "code-remote-bootstrap-boundary"

ARNS = {
    "aws:iam/role:Role": "arn:aws:iam::{a}:role/{n}",
    "aws:iam/policy:Policy": "arn:aws:iam::{a}:policy/{n}",
    "aws:s3/bucket:Bucket": "arn:aws:s3:::{l}-{a}-{r}",
    "aws:kms/key:Key": "arn:aws:kms:{r}:{a}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "aws:sqs/queue:Queue": "arn:aws:sqs:{r}:{a}:{n}",
    "aws:secretsmanager/secret:Secret": "arn:aws:secretsmanager:{r}:{a}:secret:{n}-AbCdEf",
    "aws:cloudwatch/logGroup:LogGroup": "arn:aws:logs:{r}:{a}:log-group:{n}",
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider":
        "arn:aws:iam::{a}:oidc-provider/token.actions.githubusercontent.com",
    "aws:sns/topic:Topic": "arn:aws:sns:{r}:{a}:{n}",
    "aws:lambda/function:Function": "arn:aws:lambda:{r}:{a}:function:{n}",
    "aws:cloudfront/distribution:Distribution": "arn:aws:cloudfront::{a}:distribution/EDFDVBD6EXAMPLE",
}


def example(resources, name, path):
    """An example value of output `path` of resource (or variable) `name`."""
    if name == "accountId":
        return ACCOUNT
    resource = resources.get(name)
    if resource is None:
        raise SystemExit(f"iam-lint: unknown reference ${{{name}.{path}}}")
    kind = resource["type"]
    given = resource.get("properties", {}).get("name")
    plain = given if isinstance(given, str) else name.lower()
    if path == "arn" and kind in ARNS:
        return ARNS[kind].format(a=ACCOUNT, r=REGION, n=plain, l=name.lower())
    if path == "executionArn":
        return f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3d4e5"
    if path.endswith("secretArn"):
        return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:rds!cluster-AbCdEf"
    if path == "id":
        return f"{name.lower()}-id"
    raise SystemExit(f"iam-lint: no example for ${{{name}.{path}}} ({kind})")


def resolve(resources, value):
    if isinstance(value, str):
        return re.sub(
            r"\$\{([A-Za-z0-9_]+)(?:\.([A-Za-z0-9_.\[\]]+))?\}",
            lambda m: example(resources, m.group(1), m.group(2) or ""),
            value,
        )
    if isinstance(value, list):
        return [resolve(resources, item) for item in value]
    if isinstance(value, dict):
        if "fn::join" in value:
            separator, parts = value["fn::join"]
            return separator.join(resolve(resources, part) for part in parts)
        return {key: resolve(resources, item) for key, item in value.items()}
    return value


def documents(program):
    """(where, document, is a ceiling or key policy) of every policy document of `program`."""
    resources = program["resources"]
    for name, resource in sorted(resources.items()):
        for prop, value in sorted(resource.get("properties", {}).items()):
            if not (isinstance(value, dict) and "fn::toJSON" in value):
                continue
            document = resolve(resources, value["fn::toJSON"])
            if "Statement" not in document or prop == "assumeRolePolicy":
                continue
            star_is_fine = resource["type"] == "aws:kms/key:Key" or (
                resource["type"] == "aws:iam/policy:Policy"
                and resource["properties"].get("name") == BOUNDARY
            )
            yield f"{name}.{prop}", document, star_is_fine


def main(paths):
    found = 0
    linted = 0
    for path in paths:
        with open(path) as file:
            program = json.load(file)
        for where, document, star_is_fine in documents(program):
            linted += 1
            policy = analyze_policy_string(json.dumps(document), ignore_private_auditors=True)
            for finding in policy.findings:
                if star_is_fine and finding.issue == "RESOURCE_STAR":
                    continue
                found += 1
                print(f"{path}: {where}: {finding.issue}: {finding.detail}")
    print(f"iam-lint: {linted} policy documents in {len(paths)} programs, {found} findings")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
