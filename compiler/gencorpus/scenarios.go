package gencorpus

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// plannedEvent is a planted record and the stream it goes to.
type plannedEvent struct {
	stream int
	call   *call
}

type plan struct {
	events   []plannedEvent
	expected []Expected
}

// scenario builds planted calls at time t. Each call lists the pack rules
// it fires (by rule name); correlations are listed by the scenario.
type scenario struct {
	name  string
	build func(r *rand.Rand, sp *scenarioCtx) []planted
	// burst, when set, names the correlation the scenario's principal fires
	// (grouped by userIdentity.arn).
	burst string
}

type planted struct {
	c     *call
	fires []string
}

type scenarioCtx struct {
	t        time.Time
	g        *streamGen
	attacker *principal
}

func (sp *scenarioCtx) rds(r *rand.Rand, dt time.Duration, name, params, response string, fires ...string) planted {
	c := &call{t: sp.t.Add(dt), source: "rds.amazonaws.com", name: name, who: sp.attacker, region: sp.g.region,
		params: params, response: response, id: uuid(r)}
	return planted{c: c, fires: fires}
}

func one(p planted) []planted { return []planted{p} }

// denied returns n denied RDS calls by the attacker, step apart.
func denied(r *rand.Rand, sp *scenarioCtx, n int, step time.Duration) []planted {
	actions := []string{"DescribeDBSnapshots", "CreateDBSnapshot", "ModifyDBSnapshotAttribute", "StartExportTask", "ModifyDBInstance", "DescribeDBInstances", "CopyDBSnapshot"}
	var out []planted
	for i := range n {
		name := actions[i%len(actions)]
		p := sp.rds(r, time.Duration(i)*step, name, `{"dBInstanceIdentifier":"orders-prod"}`, "", discoveryRules(name, "aws_rds_api_call_denied")...)
		p.c.errorCode = "AccessDenied"
		p.c.errorMsg = "User: " + sp.attacker.arn + " is not authorized to perform: rds:" + name + " on resource: arn:aws:rds:" + sp.g.region + ":" + sp.g.account + ":db:orders-prod because no identity-based policy allows the rds:" + name + " action"
		out = append(out, p)
	}
	return out
}

// discoveryRules adds the pack's informational discovery rule, which every
// RDS Describe* call fires (denied or not).
func discoveryRules(name string, fires ...string) []string {
	if strings.HasPrefix(name, "Describe") || strings.HasPrefix(name, "Download") && strings.Contains(name, "DBLogFile") {
		fires = append(fires, "aws_rds_discovery_call")
	}
	return fires
}

// recon returns calls to n distinct RDS discovery actions by the attacker.
func recon(r *rand.Rand, sp *scenarioCtx, n int, step time.Duration) []planted {
	actions := []string{"DescribeDBInstances", "DescribeDBClusters", "DescribeDBSnapshots", "DescribeDBClusterSnapshots",
		"DescribeDBParameterGroups", "DescribeDBSubnetGroups", "DescribeDBSecurityGroups", "DescribeDBLogFiles", "DownloadDBLogFilePortion"}
	var out []planted
	for i := range n {
		name := actions[i%len(actions)]
		out = append(out, sp.rds(r, time.Duration(i)*step, name, `{"dBInstanceIdentifier":"orders-prod"}`, "", discoveryRules(name)...))
	}
	return out
}

var scenarios = []scenario{
	{name: "instance made public", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "ModifyDBInstance", `{"dBInstanceIdentifier":"orders-prod","publiclyAccessible":true,"applyImmediately":true}`,
			`{"dBInstanceIdentifier":"orders-prod","dBInstanceClass":"db.r6g.large","engine":"postgres","dBInstanceStatus":"available","publiclyAccessible":false,"pendingModifiedValues":{}}`,
			"aws_rds_db_instance_made_public"))
	}},
	{name: "automated backups disabled", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "ModifyDBInstance", `{"dBInstanceIdentifier":"billing-db","backupRetentionPeriod":0,"applyImmediately":true}`,
			`{"dBInstanceIdentifier":"billing-db","backupRetentionPeriod":7,"pendingModifiedValues":{"backupRetentionPeriod":0}}`,
			"aws_rds_automated_backups_disabled"))
	}},
	{name: "deletion protection disabled", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "ModifyDBCluster", `{"dBClusterIdentifier":"analytics-aurora","deletionProtection":false,"applyImmediately":true}`,
			`{"dBClusterIdentifier":"analytics-aurora","deletionProtection":false,"status":"available"}`,
			"aws_rds_deletion_protection_disabled"))
	}},
	{name: "master password changed", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "ModifyDBInstance", `{"dBInstanceIdentifier":"inventory-pg","masterUserPassword":"HIDDEN_DUE_TO_SECURITY_REASONS","applyImmediately":true}`,
			`{"dBInstanceIdentifier":"inventory-pg","pendingModifiedValues":{"masterUserPassword":"****"}}`,
			"aws_rds_master_user_password_changed"))
	}},
	{name: "log exports disabled", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "ModifyDBInstance", `{"dBInstanceIdentifier":"orders-prod","cloudwatchLogsExportConfiguration":{"disableLogTypes":["postgresql","upgrade"]}}`,
			`{"dBInstanceIdentifier":"orders-prod","pendingModifiedValues":{"pendingCloudwatchLogsExports":{"logTypesToDisable":["postgresql","upgrade"]}}}`,
			"aws_rds_log_exports_disabled"))
	}},
	{name: "instance deleted without final snapshot", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "DeleteDBInstance", `{"dBInstanceIdentifier":"inventory-pg","skipFinalSnapshot":true,"deleteAutomatedBackups":true}`,
			`{"dBInstanceIdentifier":"inventory-pg","dBInstanceStatus":"deleting"}`,
			"aws_rds_db_instance_deleted_without_final_snapshot"))
	}},
	{name: "instance deleted", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "DeleteDBInstance", `{"dBInstanceIdentifier":"orders-replica-1","skipFinalSnapshot":false,"finalDBSnapshotIdentifier":"orders-replica-1-final"}`,
			`{"dBInstanceIdentifier":"orders-replica-1","dBInstanceStatus":"deleting"}`,
			"aws_rds_db_instance_deleted"))
	}},
	{name: "snapshot made public", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "ModifyDBSnapshotAttribute", `{"dBSnapshotIdentifier":"orders-prod-2026-10","attributeName":"restore","valuesToAdd":["all"]}`,
			`{"dBSnapshotIdentifier":"orders-prod-2026-10","dBSnapshotAttributes":[{"attributeName":"restore","attributeValues":["all"]}]}`,
			"aws_rds_db_snapshot_made_public", "aws_rds_db_snapshot_attribute_modified"))
	}},
	{name: "snapshot shared with an untrusted account", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "ModifyDBSnapshotAttribute", `{"dBSnapshotIdentifier":"billing-2026-10","attributeName":"restore","valuesToAdd":["210987654321"]}`,
			`{"dBSnapshotIdentifier":"billing-2026-10","dBSnapshotAttributes":[{"attributeName":"restore","attributeValues":["210987654321"]}]}`,
			"aws_rds_db_snapshot_shared_with_untrusted_account", "aws_rds_db_snapshot_attribute_modified"))
	}},
	{name: "snapshot shared with a trusted account (near miss)", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "ModifyDBSnapshotAttribute", `{"dBSnapshotIdentifier":"billing-2026-10","attributeName":"restore","valuesToAdd":["444455556666"]}`,
			`{"dBSnapshotIdentifier":"billing-2026-10","dBSnapshotAttributes":[{"attributeName":"restore","attributeValues":["444455556666"]}]}`,
			"aws_rds_db_snapshot_attribute_modified"))
	}},
	{name: "cluster stopped", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "StopDBCluster", `{"dBClusterIdentifier":"analytics-aurora"}`,
			`{"dBClusterIdentifier":"analytics-aurora","status":"stopping"}`, "aws_rds_db_cluster_stopped"))
	}},
	{name: "security group ingress from the internet", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "AuthorizeDBSecurityGroupIngress", `{"dBSecurityGroupName":"legacy-db-sg","cIDRIP":"0.0.0.0/0"}`,
			`{"dBSecurityGroupName":"legacy-db-sg","iPRanges":[{"cIDRIP":"0.0.0.0/0","status":"authorizing"}]}`,
			"aws_rds_db_security_group_ingress_from_internet"))
	}},
	{name: "failed deletion (near miss)", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		p := sp.rds(r, 0, "DeleteDBInstance", `{"dBInstanceIdentifier":"orders-prod","skipFinalSnapshot":true}`, "")
		p.c.errorCode = "InvalidDBInstanceStateFault"
		p.c.errorMsg = "Instance orders-prod is not in available state."
		return one(p)
	}},
	{name: "AWS Backup snapshot (near miss)", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		p := sp.rds(r, 0, "CreateDBSnapshot", `{"dBSnapshotIdentifier":"awsbackup:job-`+lowerID(r, 12)+`","dBInstanceIdentifier":"orders-prod"}`,
			`{"dBSnapshotIdentifier":"awsbackup:job-1","dBInstanceIdentifier":"orders-prod","snapshotType":"awsbackup","status":"creating"}`)
		return one(p)
	}},
	{name: "manual snapshot", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "CreateDBSnapshot", `{"dBSnapshotIdentifier":"pre-migration-orders","dBInstanceIdentifier":"orders-prod"}`,
			`{"dBSnapshotIdentifier":"pre-migration-orders","dBInstanceIdentifier":"orders-prod","snapshotType":"manual","status":"creating"}`,
			"aws_rds_db_snapshot_created_or_copied"))
	}},
	{name: "instance restored", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return one(sp.rds(r, 0, "RestoreDBInstanceFromDBSnapshot", `{"dBInstanceIdentifier":"orders-restore-test","dBSnapshotIdentifier":"pre-migration-orders","publiclyAccessible":false}`,
			`{"dBInstanceIdentifier":"orders-restore-test","publiclyAccessible":false,"dBInstanceStatus":"creating"}`,
			"aws_rds_db_instance_restored"))
	}},
	{name: "burst of denied calls across files", burst: "aws_rds_api_calls_denied_burst", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return denied(r, sp, 12, 20*time.Second)
	}},
	{name: "denied calls under the burst threshold (near miss)", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return denied(r, sp, 9, 50*time.Second)
	}},
	{name: "denied calls spread out (near miss)", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return denied(r, sp, 10, 2*time.Minute)
	}},
	{name: "reconnaissance: nine discovery actions", burst: "aws_rds_reconnaissance", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return recon(r, sp, 9, 25*time.Second)
	}},
	{name: "seven discovery actions (near miss)", build: func(r *rand.Rand, sp *scenarioCtx) []planted {
		return recon(r, sp, 7, 40*time.Second)
	}},
}

// planScenarios places rounds of every scenario evenly over the archive's
// intervals: one round per 512 MB, at least one.
func planScenarios(seed uint64, start time.Time, intervals int, size int64) *plan {
	r := rand.New(rand.NewPCG(seed, 0))
	rounds := 1 + int(size/(512<<20))
	total := rounds * len(scenarios)
	p := &plan{}
	for j := range total {
		sc := scenarios[j%len(scenarios)]
		round := j / len(scenarios)
		s := j % len(streams)
		st := streams[s]
		k := (j + 1) * intervals / (total + 1)
		// Three minutes into the interval: the bursts cross into the next file.
		t := start.Add(time.Duration(k)*Interval + 3*time.Minute)
		g := &streamGen{account: st.account, region: st.region}
		name := fmt.Sprintf("mallory-%d-%d", round, j%len(scenarios))
		attacker := &principal{account: st.account, idType: "IAMUser", principal: randID(r, "AIDA", 17),
			arn: "arn:aws:iam::" + st.account + ":user/" + name, keyID: randID(r, "AKIA", 16), userName: name,
			agent: userAgents[r.IntN(len(userAgents))], ip: fmt.Sprintf("198.51.100.%d", 1+r.IntN(254))}
		if strings.Contains(sc.name, "AWS Backup") {
			attacker = &principal{account: st.account, idType: "AssumedRole", principal: randID(r, "AROA", 17) + ":AWSBackup-AWSBackupDefaultServiceRole",
				arn:   "arn:aws:sts::" + st.account + ":assumed-role/AWSBackupDefaultServiceRole/AWSBackup-AWSBackupDefaultServiceRole",
				keyID: randID(r, "ASIA", 16), userName: "AWSBackupDefaultServiceRole", issuerArn: "arn:aws:iam::" + st.account + ":role/service-role/AWSBackupDefaultServiceRole",
				agent: "backup.amazonaws.com", ip: "backup.amazonaws.com"}
		}
		sp := &scenarioCtx{t: t, g: g, attacker: attacker}
		for _, pl := range sc.build(r, sp) {
			p.events = append(p.events, plannedEvent{stream: s, call: pl.c})
			for _, rule := range pl.fires {
				p.expected = append(p.expected, Expected{Rule: rule, EventID: pl.c.id})
			}
		}
		if sc.burst != "" {
			p.expected = append(p.expected, Expected{Rule: sc.burst, Group: map[string]string{"userIdentity.arn": attacker.arn}})
		}
	}
	slices.SortFunc(p.expected, func(a, b Expected) int { return strings.Compare(a.Key(), b.Key()) })
	return p
}
