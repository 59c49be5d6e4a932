//! Aurora PostgreSQL Serverless v2 in the private subnets, reachable from the Lambdas only, with
//! the master password managed by RDS in Secrets Manager (never in Pulumi state) and TLS forced.

use crate::components::network::{rule, Network};
use crate::components::Context;
use crate::error::InfraError;
use crate::model::{list, map, Program, Ref, Resource, ResourceRef};

/// The database name the runtime connects to.
pub const DATABASE_NAME: &str = "coderemote";

/// References to the database.
#[derive(Debug, Clone)]
pub struct Database {
    /// The Aurora cluster.
    pub cluster: ResourceRef,
    /// The RDS-managed master secret's ARN.
    pub secret_arn: Ref,
}

/// Declares the cluster, its instances, subnet group, parameter group and security group.
pub fn build(
    program: &mut Program,
    ctx: &Context<'_>,
    network: &Network,
) -> Result<Database, InfraError> {
    let cfg = ctx.config;
    let n = &ctx.naming;
    let major = cfg
        .aurora_engine_version
        .split('.')
        .next()
        .unwrap_or(&cfg.aurora_engine_version);
    let sg = program.add(
        Resource::new(
            "databaseSecurityGroup",
            "aws:ec2/securityGroup:SecurityGroup",
        )
        .prop("name", n.name("database"))
        .prop(
            "description",
            "Aurora: PostgreSQL from the Lambda security group only",
        )
        .prop("vpcId", network.vpc.id())
        .prop(
            "ingress",
            list([rule(
                5432,
                "PostgreSQL from the Lambdas",
                ("securityGroups", list([network.lambda_sg.id()])),
            )]),
        )
        .prop("tags", n.tags("database")),
    )?;
    let subnets = program.add(
        Resource::new("databaseSubnets", "aws:rds/subnetGroup:SubnetGroup")
            .prop("name", n.name("database"))
            .prop("subnetIds", network.private_subnet_ids())
            .prop("tags", n.tags("database")),
    )?;
    let params = program.add(
        Resource::new(
            "databaseParameters",
            "aws:rds/clusterParameterGroup:ClusterParameterGroup",
        )
        .prop("name", n.name("aurora-pg"))
        .prop("family", format!("aurora-postgresql{major}"))
        .prop("description", "Code Remote: TLS required")
        .prop(
            "parameters",
            list([map([
                ("name", "rds.force_ssl"),
                ("value", "1"),
                ("applyMethod", "pending-reboot"),
            ])]),
        )
        .prop("tags", n.tags("aurora-pg")),
    )?;
    let protected = cfg.deletion_protection;
    let mut cluster = Resource::new("database", "aws:rds/cluster:Cluster")
        .prop("clusterIdentifier", n.name("db"))
        .prop("engine", "aurora-postgresql")
        .prop("engineMode", "provisioned")
        .prop("engineVersion", cfg.aurora_engine_version.clone())
        .prop("databaseName", DATABASE_NAME)
        .prop("masterUsername", "coderemote_admin")
        .prop("manageMasterUserPassword", true)
        .prop("storageEncrypted", true)
        .prop("dbSubnetGroupName", subnets.out("name"))
        .prop("dbClusterParameterGroupName", params.out("name"))
        .prop("vpcSecurityGroupIds", list([sg.id()]))
        .prop(
            "serverlessv2ScalingConfiguration",
            map([
                ("minCapacity", cfg.aurora_min_acu),
                ("maxCapacity", cfg.aurora_max_acu),
            ]),
        )
        .prop("backupRetentionPeriod", if protected { 14 } else { 1 })
        .prop("copyTagsToSnapshot", true)
        .prop("deletionProtection", protected)
        .prop("skipFinalSnapshot", !protected)
        .prop("tags", n.tags("db"))
        .protect(protected);
    if protected {
        cluster = cluster.prop("finalSnapshotIdentifier", n.name("db-final"));
    }
    let cluster = program.add(cluster)?;
    let instances = if ctx.is_prod() { 2 } else { 1 };
    for i in 0..instances {
        program.add(
            Resource::new(
                &format!("databaseInstance{i}"),
                "aws:rds/clusterInstance:ClusterInstance",
            )
            .prop("identifier", n.name(&format!("db-{i}")))
            .prop("clusterIdentifier", cluster.id())
            .prop("instanceClass", "db.serverless")
            .prop("engine", cluster.out("engine"))
            .prop("engineVersion", cluster.out("engineVersion"))
            .prop("dbSubnetGroupName", subnets.out("name"))
            .prop("publiclyAccessible", false)
            .prop("tags", n.tags(&format!("db-{i}"))),
        )?;
    }
    let secret_arn = cluster.out("masterUserSecrets").index(0).field("secretArn");
    Ok(Database {
        cluster,
        secret_arn,
    })
}
