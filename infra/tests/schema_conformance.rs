//! Schema conformance of the rendered stacks against the pinned `@pulumi/aws` index, and a
//! deliberately broken program rejected with the offending path.

mod common;

use code_remote_infra::check::schema::check;
use code_remote_infra::model::{list, map, Invoke, Program, Ref, Resource, Value};
use code_remote_infra::schema::SchemaIndex;

fn index() -> &'static SchemaIndex {
    SchemaIndex::embedded().expect("embedded index parses")
}

fn assert_conforms(stack: &str) {
    let (_, program) = common::program(stack);
    let findings = check(&program, index());
    assert!(findings.is_empty(), "{stack}: {findings:#?}");
    assert!(
        program.resources.len() > 100,
        "{stack} declares every component"
    );
}

#[test]
fn dev_conforms_to_the_schema() {
    assert_conforms("dev");
}

#[test]
fn prod_conforms_to_the_schema() {
    assert_conforms("prod");
}

#[test]
fn every_reference_in_the_stacks_was_checked_including_nested_ones() {
    let (_, program) = common::program("prod");
    let nested = program
        .resources
        .values()
        .flat_map(|r| r.properties.values().flat_map(|v| v.references()))
        .filter(|(path, _)| path.contains('[') || path.matches('.').count() > 1)
        .count();
    assert!(nested > 50, "only {nested} nested references found");
}

fn paths(program: &Program) -> Vec<String> {
    check(program, index())
        .into_iter()
        .map(|f| f.path)
        .collect()
}

fn base() -> Program {
    let mut program = Program::new("test");
    program
        .add(Resource::new("vpc", "aws:ec2/vpc:Vpc").prop("cidrBlock", "10.0.0.0/16"))
        .unwrap();
    program
}

#[test]
fn unknown_type_is_rejected_with_its_path() {
    let mut program = base();
    program
        .add(Resource::new("thing", "aws:ec2/vpcc:Vpcc"))
        .unwrap();
    assert_eq!(paths(&program), ["resources.thing.type"]);
}

#[test]
fn unknown_property_is_rejected_with_its_path() {
    let mut program = base();
    program
        .add(
            Resource::new("sn", "aws:ec2/subnet:Subnet")
                .prop("vpcId", Ref::variable("x"))
                .prop("cidr", "10.0.0.0/24"),
        )
        .unwrap();
    program.variable("x", Value::from("vpc-1"));
    assert_eq!(paths(&program), ["resources.sn.properties.cidr"]);
}

#[test]
fn missing_required_input_is_rejected_with_its_path() {
    let mut program = base();
    program
        .add(Resource::new("fn", "aws:lambda/function:Function").prop("runtime", "provided.al2023"))
        .unwrap();
    assert_eq!(paths(&program), ["resources.fn.properties.role"]);
}

#[test]
fn reference_to_an_undeclared_resource_is_rejected() {
    let mut program = base();
    program
        .add(
            Resource::new("rt", "aws:ec2/routeTable:RouteTable")
                .prop("vpcId", Value::reference("vpx", "id")),
        )
        .unwrap();
    assert_eq!(paths(&program), ["resources.rt.properties.vpcId"]);
}

#[test]
fn reference_to_a_non_output_is_rejected() {
    let mut program = base();
    program
        .add(
            Resource::new("rt", "aws:ec2/routeTable:RouteTable")
                .prop("vpcId", Value::reference("vpc", "vpcId")),
        )
        .unwrap();
    let findings = check(&program, index());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0].path, "resources.rt.properties.vpcId");
    assert!(
        findings[0].message.contains("not an output"),
        "{}",
        findings[0].message
    );
}

#[test]
fn nested_references_in_lists_and_maps_are_checked() {
    let mut program = base();
    program
        .add(
            Resource::new("sg", "aws:ec2/securityGroup:SecurityGroup")
                .prop("vpcId", Value::reference("vpc", "id"))
                .prop(
                    "ingress",
                    list([map([
                        ("protocol", Value::from("tcp")),
                        ("fromPort", 443.into()),
                        ("toPort", 443.into()),
                        ("securityGroups", list([Value::reference("other", "id")])),
                    ])]),
                )
                .prop("tags", map([("Name", Value::reference("vpc", "nope"))])),
        )
        .unwrap();
    assert_eq!(
        paths(&program),
        [
            "resources.sg.properties.ingress[0].securityGroups[0]",
            "resources.sg.properties.tags.Name"
        ]
    );
}

#[test]
fn bad_invokes_options_and_outputs_are_rejected() {
    let mut program = base();
    program.variable(
        "zones",
        Value::Invoke(Invoke {
            function: "aws:index/getAvailabilityZones:getAvailabilityZones".into(),
            arguments: [("stat".to_owned(), Value::from("available"))].into(),
            returns: Some("nams".into()),
        }),
    );
    program.variable(
        "nothing",
        Value::Invoke(Invoke {
            function: "aws:index/getNothing:getNothing".into(),
            arguments: Default::default(),
            returns: None,
        }),
    );
    let vpc = program.resources["vpc"].handle();
    program
        .add(
            Resource::new("igw", "aws:ec2/internetGateway:InternetGateway")
                .prop("vpcId", vpc.id())
                .ignore_changes("vpcIdd")
                .provider(&vpc),
        )
        .unwrap();
    program
        .resources
        .get_mut("igw")
        .unwrap()
        .options
        .depends_on
        .push("ghost".into());
    program.output("zone", Ref::variable("zonez").index(0));
    assert_eq!(
        paths(&program),
        [
            "resources.igw.options.dependsOn[0]",
            "resources.igw.options.ignoreChanges[0]",
            "resources.igw.options.provider",
            "variables.nothing.fn::invoke.function",
            "variables.zones.fn::invoke.arguments.stat",
            "variables.zones.fn::invoke.return",
            "outputs.zone",
        ]
    );
}

#[test]
fn a_broken_stack_program_is_rejected_with_the_offending_path() {
    let (_, mut program) = common::program("dev");
    let worker = program.resources.get_mut("worker").unwrap();
    worker
        .properties
        .insert("memorySizeMb".into(), Value::Int(1024));
    let policy = program.resources.get_mut("apiPolicy").unwrap();
    policy.properties.remove("role");
    let findings: Vec<String> = check(&program, index())
        .into_iter()
        .map(|f| f.to_string())
        .collect();
    assert_eq!(
        findings,
        [
            "[schema] resources.apiPolicy.properties.role: required input `role` of aws:iam/rolePolicy:RolePolicy is not set",
            "[schema] resources.worker.properties.memorySizeMb: `memorySizeMb` is not an input of aws:lambda/function:Function",
        ]
    );
}
