//! VPC, subnets derived from the VPC block, internet and NAT gateways, routes, security groups
//! and the VPC endpoints that keep AWS API traffic off the NAT (75% of the original's bill).

use crate::cidr::Ipv4Cidr;
use crate::components::Context;
use crate::error::InfraError;
use crate::model::{list, map, Invoke, Program, Ref, Resource, ResourceRef, Value};

/// Extra prefix bits of each subnet: a /16 VPC gets /20 subnets, room for 16 of them.
const SUBNET_BITS: u8 = 4;

/// The variable holding the region's available AZ names.
pub const AZ_VARIABLE: &str = "availabilityZones";

/// The subnet blocks for `az_count` AZs: public subnets first, then private ones.
pub fn subnet_plan(
    vpc: &Ipv4Cidr,
    az_count: u32,
) -> Result<(Vec<Ipv4Cidr>, Vec<Ipv4Cidr>), InfraError> {
    let public = (0..az_count)
        .map(|i| vpc.subnet(SUBNET_BITS, i))
        .collect::<Result<Vec<_>, _>>()?;
    let private = (0..az_count)
        .map(|i| vpc.subnet(SUBNET_BITS, az_count + i))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((public, private))
}

/// References to the network that other components attach to.
#[derive(Debug, Clone)]
pub struct Network {
    /// The VPC.
    pub vpc: ResourceRef,
    /// Private subnets (Lambdas, database, interface endpoints), one per AZ.
    pub private_subnets: Vec<ResourceRef>,
    /// The security group of every Lambda.
    pub lambda_sg: ResourceRef,
}

impl Network {
    /// The private subnets' ids, as the `subnetIds` of what runs in them.
    pub fn private_subnet_ids(&self) -> Value {
        subnet_ids(&self.private_subnets)
    }
}

fn subnet_ids(subnets: &[ResourceRef]) -> Value {
    Value::List(subnets.iter().map(|s| s.id().into()).collect())
}

/// A security group rule in the inline `ingress`/`egress` shape.
pub fn rule(port: u32, description: &str, source: (&str, Value)) -> Value {
    map([
        ("protocol", Value::from("tcp")),
        ("fromPort", Value::from(port)),
        ("toPort", Value::from(port)),
        ("description", Value::from(description)),
        (source.0, source.1),
    ])
}

/// Declares the network.
pub fn build(program: &mut Program, ctx: &Context<'_>) -> Result<Network, InfraError> {
    let cfg = ctx.config;
    let n = &ctx.naming;
    let (public_cidrs, private_cidrs) = subnet_plan(&cfg.vpc_cidr, cfg.az_count)?;
    program.variable(
        AZ_VARIABLE,
        Value::Invoke(Invoke {
            function: "aws:index/getAvailabilityZones:getAvailabilityZones".into(),
            arguments: [("state".to_owned(), Value::from("available"))].into(),
            returns: Some("names".into()),
        }),
    );
    let vpc = program.add(
        Resource::new("vpc", "aws:ec2/vpc:Vpc")
            .prop("cidrBlock", cfg.vpc_cidr.to_string())
            .prop("enableDnsHostnames", true)
            .prop("enableDnsSupport", true)
            .prop("tags", n.tags("vpc")),
    )?;
    let igw = program.add(
        Resource::new("internetGateway", "aws:ec2/internetGateway:InternetGateway")
            .prop("vpcId", vpc.id())
            .prop("tags", n.tags("igw")),
    )?;
    let public_rt = program.add(
        Resource::new("publicRouteTable", "aws:ec2/routeTable:RouteTable")
            .prop("vpcId", vpc.id())
            .prop("tags", n.tags("public")),
    )?;
    program.add(
        Resource::new("publicDefaultRoute", "aws:ec2/route:Route")
            .prop("routeTableId", public_rt.id())
            .prop("destinationCidrBlock", "0.0.0.0/0")
            .prop("gatewayId", igw.id()),
    )?;
    let az = |i: usize| Value::Ref(Ref::variable(AZ_VARIABLE).index(i));
    let mut public_subnets = Vec::new();
    for (i, cidr) in public_cidrs.iter().enumerate() {
        let subnet = program.add(
            Resource::new(&format!("publicSubnet{i}"), "aws:ec2/subnet:Subnet")
                .prop("vpcId", vpc.id())
                .prop("cidrBlock", cidr.to_string())
                .prop("availabilityZone", az(i))
                .prop("mapPublicIpOnLaunch", false)
                .prop("tags", n.tags(&format!("public-{i}"))),
        )?;
        program.add(
            Resource::new(
                &format!("publicSubnet{i}Routes"),
                "aws:ec2/routeTableAssociation:RouteTableAssociation",
            )
            .prop("subnetId", subnet.id())
            .prop("routeTableId", public_rt.id()),
        )?;
        public_subnets.push(subnet);
    }
    let nat_count = if cfg.nat_per_az {
        public_subnets.len()
    } else {
        1
    };
    let mut nats = Vec::new();
    for (i, subnet) in public_subnets.iter().take(nat_count).enumerate() {
        let eip = program.add(
            Resource::new(&format!("natIp{i}"), "aws:ec2/eip:Eip")
                .prop("domain", "vpc")
                .prop("tags", n.tags(&format!("nat-{i}"))),
        )?;
        nats.push(
            program.add(
                Resource::new(&format!("natGateway{i}"), "aws:ec2/natGateway:NatGateway")
                    .prop("allocationId", eip.id())
                    .prop("subnetId", subnet.id())
                    .prop("tags", n.tags(&format!("nat-{i}")))
                    .depends_on(&igw),
            )?,
        );
    }
    let mut private_subnets = Vec::new();
    let mut private_rts = Vec::new();
    for (i, cidr) in private_cidrs.iter().enumerate() {
        let subnet = program.add(
            Resource::new(&format!("privateSubnet{i}"), "aws:ec2/subnet:Subnet")
                .prop("vpcId", vpc.id())
                .prop("cidrBlock", cidr.to_string())
                .prop("availabilityZone", az(i))
                .prop("tags", n.tags(&format!("private-{i}"))),
        )?;
        let rt = program.add(
            Resource::new(
                &format!("privateRouteTable{i}"),
                "aws:ec2/routeTable:RouteTable",
            )
            .prop("vpcId", vpc.id())
            .prop("tags", n.tags(&format!("private-{i}"))),
        )?;
        let nat = &nats[i % nats.len()];
        program.add(
            Resource::new(&format!("privateDefaultRoute{i}"), "aws:ec2/route:Route")
                .prop("routeTableId", rt.id())
                .prop("destinationCidrBlock", "0.0.0.0/0")
                .prop("natGatewayId", nat.id()),
        )?;
        program.add(
            Resource::new(
                &format!("privateSubnet{i}Routes"),
                "aws:ec2/routeTableAssociation:RouteTableAssociation",
            )
            .prop("subnetId", subnet.id())
            .prop("routeTableId", rt.id()),
        )?;
        private_subnets.push(subnet);
        private_rts.push(rt);
    }
    let world = || ("cidrBlocks", list(["0.0.0.0/0"]));
    let mut lambda_egress = vec![
        rule(443, "HTTPS to AWS APIs and Gemini", world()),
        rule(
            5432,
            "PostgreSQL inside the VPC",
            ("cidrBlocks", list([cfg.vpc_cidr.to_string()])),
        ),
    ];
    if cfg.neo4j_enabled {
        lambda_egress.push(rule(7687, "Bolt to Neo4j AuraDB", world()));
    }
    let lambda_sg = program.add(
        Resource::new("lambdaSecurityGroup", "aws:ec2/securityGroup:SecurityGroup")
            .prop("name", n.name("lambda"))
            .prop(
                "description",
                "Code Remote Lambdas: no inbound, outbound HTTPS and PostgreSQL",
            )
            .prop("vpcId", vpc.id())
            .prop("egress", Value::List(lambda_egress))
            .prop("tags", n.tags("lambda")),
    )?;
    let endpoint_sg = program.add(
        Resource::new(
            "endpointSecurityGroup",
            "aws:ec2/securityGroup:SecurityGroup",
        )
        .prop("name", n.name("endpoints"))
        .prop(
            "description",
            "Interface endpoints: HTTPS from the Lambdas only",
        )
        .prop("vpcId", vpc.id())
        .prop(
            "ingress",
            list([rule(
                443,
                "HTTPS from the Lambdas",
                ("securityGroups", list([lambda_sg.id()])),
            )]),
        )
        .prop("tags", n.tags("endpoints")),
    )?;
    program.add(
        Resource::new("s3Endpoint", "aws:ec2/vpcEndpoint:VpcEndpoint")
            .prop("vpcId", vpc.id())
            .prop("serviceName", format!("com.amazonaws.{}.s3", cfg.region))
            .prop("vpcEndpointType", "Gateway")
            .prop(
                "routeTableIds",
                Value::List(private_rts.iter().map(|rt| rt.id().into()).collect()),
            )
            .prop("tags", n.tags("s3")),
    )?;
    for service in ["secretsmanager", "sqs"] {
        program.add(
            Resource::new(
                &format!("{service}Endpoint"),
                "aws:ec2/vpcEndpoint:VpcEndpoint",
            )
            .prop("vpcId", vpc.id())
            .prop(
                "serviceName",
                format!("com.amazonaws.{}.{service}", cfg.region),
            )
            .prop("vpcEndpointType", "Interface")
            .prop("privateDnsEnabled", true)
            .prop("subnetIds", subnet_ids(&private_subnets))
            .prop("securityGroupIds", list([endpoint_sg.id()]))
            .prop("tags", n.tags(service)),
        )?;
    }
    Ok(Network {
        vpc,
        private_subnets,
        lambda_sg,
    })
}
