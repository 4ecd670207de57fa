package falco

import (
	"strings"

	fq "github.com/sigforge/sigforge/compiler/query/falco"
)

// canon says how a field's values are spelled by CloudTrail, which decides
// whether Sigma's case-insensitive match can be written as Falco's exact,
// case-sensitive "=".
type canon int

const (
	// canonNone: any spelling; case-insensitive forms are needed.
	canonNone canon = iota
	// canonLower: always lower case (eventSource "rds.amazonaws.com",
	// awsRegion "eu-west-1"). Lower-casing the rule's value makes "=" exact.
	canonLower
	// canonSet: one of a known set of names (eventName API actions,
	// userIdentity.type). A value equal to a known name up to case is written
	// with the name's spelling; any other value, or a wildcard, uses a
	// case-insensitive form.
	canonSet
)

// ctField maps a CloudTrail path to a cloudtrail-plugin field whose
// extraction is exactly the JSON value at that path (present when the key
// is, a string as is). Paths whose plugin field computes something else are
// read through json.value instead:
//
//   - userIdentity.accountId: ct.user.accountid falls back to
//     recipientAccountId when the key is absent;
//   - userIdentity.userName: ct.user depends on userIdentity.type;
//   - readOnly, managementEvent: ct.readonly and ct.managementevent render
//     a JSON boolean (a string "true" gives "false").
type ctField struct {
	name  string
	canon canon
	set   map[string]string // lower-case → canonical spelling, for canonSet
}

var ctFields = map[string]ctField{
	"eventSource":              {name: "ct.src", canon: canonLower},
	"eventName":                {name: "ct.name", canon: canonSet, set: apiNames},
	"errorCode":                {name: "ct.error"},
	"errorMessage":             {name: "ct.errormessage"},
	"awsRegion":                {name: "ct.region", canon: canonLower},
	"sourceIPAddress":          {name: "ct.srcip"},
	"userAgent":                {name: "ct.useragent"},
	"userIdentity.type":        {name: "ct.user.identitytype", canon: canonSet, set: identityTypes},
	"userIdentity.arn":         {name: "ct.user.arn"},
	"userIdentity.principalId": {name: "ct.user.principalid"},
	"eventID":                  {name: "ct.id"},
	"eventType":                {name: "ct.eventtype", canon: canonSet, set: eventTypes},
	"eventCategory":            {name: "ct.eventcategory"},
	"requestID":                {name: "ct.requestid"},
	"recipientAccountId":       {name: "ct.recipientaccountid"},
	"sharedEventID":            {name: "ct.sharedeventid"},
	"vpcEndpointId":            {name: "ct.vpcendpointid"},
	"apiVersion":               {name: "ct.apiversion"},
	"eventTime":                {name: "ct.time"},
}

// ctFieldsSince are the fields that need cloudtrail plugin 0.12.0 (added in
// falcosecurity/plugins 6a99500a); the others exist since 0.3.0.
var ctFieldsSince012 = map[string]bool{
	"ct.errormessage": true, "ct.eventtype": true, "ct.recipientaccountid": true, "ct.requestid": true,
	"ct.eventcategory": true, "ct.sharedeventid": true, "ct.vpcendpointid": true, "ct.apiversion": true,
}

func lowerSet(names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[strings.ToLower(n)] = n
	}
	return m
}

var identityTypes = lowerSet("Root", "IAMUser", "AssumedRole", "FederatedUser", "AWSAccount", "AWSService",
	"IdentityCenterUser", "Directory", "Unknown", "SAMLUser", "WebIdentityUser")

var eventTypes = lowerSet("AwsApiCall", "AwsServiceEvent", "AwsConsoleAction", "AwsConsoleSignIn",
	"AwsCloudTrailInsight", "AwsVpceEvent")

// apiNames are the RDS API actions (and the console sign-in events) as
// CloudTrail records them in eventName.
var apiNames = lowerSet(
	"AddRoleToDBCluster", "AddRoleToDBInstance", "AddSourceIdentifierToSubscription", "AddTagsToResource",
	"ApplyPendingMaintenanceAction", "AuthorizeDBSecurityGroupIngress", "BacktrackDBCluster",
	"CancelExportTask", "CopyDBClusterParameterGroup", "CopyDBClusterSnapshot", "CopyDBParameterGroup",
	"CopyDBSnapshot", "CopyOptionGroup", "CreateBlueGreenDeployment", "CreateCustomDBEngineVersion",
	"CreateDBCluster", "CreateDBClusterEndpoint", "CreateDBClusterParameterGroup", "CreateDBClusterSnapshot",
	"CreateDBInstance", "CreateDBInstanceReadReplica", "CreateDBParameterGroup", "CreateDBProxy",
	"CreateDBProxyEndpoint", "CreateDBSecurityGroup", "CreateDBShardGroup", "CreateDBSnapshot",
	"CreateDBSubnetGroup", "CreateEventSubscription", "CreateGlobalCluster", "CreateIntegration",
	"CreateOptionGroup", "CreateTenantDatabase", "DeleteBlueGreenDeployment", "DeleteCustomDBEngineVersion",
	"DeleteDBCluster", "DeleteDBClusterAutomatedBackup", "DeleteDBClusterEndpoint",
	"DeleteDBClusterParameterGroup", "DeleteDBClusterSnapshot", "DeleteDBInstance",
	"DeleteDBInstanceAutomatedBackup", "DeleteDBParameterGroup", "DeleteDBProxy", "DeleteDBProxyEndpoint",
	"DeleteDBSecurityGroup", "DeleteDBShardGroup", "DeleteDBSnapshot", "DeleteDBSubnetGroup",
	"DeleteEventSubscription", "DeleteGlobalCluster", "DeleteIntegration", "DeleteOptionGroup",
	"DeleteTenantDatabase", "DeregisterDBProxyTargets", "DescribeAccountAttributes", "DescribeCertificates",
	"DescribeDBClusterParameters", "DescribeDBClusterSnapshotAttributes", "DescribeDBClusterSnapshots",
	"DescribeDBClusters", "DescribeDBEngineVersions", "DescribeDBInstances", "DescribeDBLogFiles",
	"DescribeDBParameterGroups", "DescribeDBParameters", "DescribeDBSecurityGroups",
	"DescribeDBSnapshotAttributes", "DescribeDBSnapshots", "DescribeDBSubnetGroups", "DescribeEvents",
	"DescribeOptionGroups", "DisableHttpEndpoint", "DownloadCompleteDBLogFile", "DownloadDBLogFilePortion",
	"EnableHttpEndpoint", "FailoverDBCluster", "FailoverGlobalCluster", "ListTagsForResource",
	"ModifyActivityStream", "ModifyCertificates", "ModifyCurrentDBClusterCapacity",
	"ModifyCustomDBEngineVersion", "ModifyDBCluster", "ModifyDBClusterEndpoint",
	"ModifyDBClusterParameterGroup", "ModifyDBClusterSnapshotAttribute", "ModifyDBInstance",
	"ModifyDBParameterGroup", "ModifyDBProxy", "ModifyDBProxyEndpoint", "ModifyDBProxyTargetGroup",
	"ModifyDBRecommendation", "ModifyDBShardGroup", "ModifyDBSnapshot", "ModifyDBSnapshotAttribute",
	"ModifyDBSubnetGroup", "ModifyEventSubscription", "ModifyGlobalCluster", "ModifyIntegration",
	"ModifyOptionGroup", "ModifyTenantDatabase", "PromoteReadReplica", "PromoteReadReplicaDBCluster",
	"PurchaseReservedDBInstancesOffering", "RebootDBCluster", "RebootDBInstance", "RebootDBShardGroup",
	"RegisterDBProxyTargets", "RemoveFromGlobalCluster", "RemoveRoleFromDBCluster",
	"RemoveRoleFromDBInstance", "RemoveSourceIdentifierFromSubscription", "RemoveTagsFromResource",
	"ResetDBClusterParameterGroup", "ResetDBParameterGroup", "RestoreDBClusterFromS3",
	"RestoreDBClusterFromSnapshot", "RestoreDBClusterToPointInTime", "RestoreDBInstanceFromDBSnapshot",
	"RestoreDBInstanceFromS3", "RestoreDBInstanceToPointInTime", "RevokeDBSecurityGroupIngress",
	"StartActivityStream", "StartDBCluster", "StartDBInstance", "StartDBInstanceAutomatedBackupsReplication",
	"StartExportTask", "StopActivityStream", "StopDBCluster", "StopDBInstance",
	"StopDBInstanceAutomatedBackupsReplication", "SwitchoverBlueGreenDeployment", "SwitchoverGlobalCluster",
	"SwitchoverReadReplica", "ConsoleLogin",
)

// arrayPaths are the CloudTrail RDS request and response members that are
// JSON arrays. A Sigma match on a path through one of them holds when any
// element matches; Falco's json.value names one element by index, so the
// backend enumerates indexes 0..max_array_elements-1. RDS caps these lists
// per request (20 parameters per ModifyDBParameterGroup, 20 accounts per
// ModifyDBSnapshotAttribute), so the default of 20 is exact for them.
var arrayPaths = []string{
	"requestParameters.parameters",
	"requestParameters.valuesToAdd",
	"requestParameters.valuesToRemove",
	"requestParameters.vpcSecurityGroupIds",
	"requestParameters.dBSecurityGroups",
	"requestParameters.availabilityZones",
	"requestParameters.tags",
	"requestParameters.tagKeys",
	"requestParameters.enableCloudwatchLogsExports",
	"requestParameters.cloudwatchLogsExportConfiguration.enableLogTypes",
	"requestParameters.cloudwatchLogsExportConfiguration.disableLogTypes",
	"requestParameters.subnetIds",
	"requestParameters.optionsToInclude",
	"requestParameters.optionsToRemove",
	"requestParameters.processorFeatures",
	"requestParameters.filters",
	"responseElements.dBSnapshotAttributesResult.dBSnapshotAttributes",
	"responseElements.dBClusterSnapshotAttributesResult.dBClusterSnapshotAttributes",
	"responseElements.vpcSecurityGroups",
	"resources",
	// EC2 security-group calls wrap every list in {"items": [...]}.
	"requestParameters.ipPermissions.items",
	"requestParameters.ipPermissions.items.ipRanges.items",
	"requestParameters.ipPermissions.items.ipv6Ranges.items",
	"responseElements.securityGroupRuleSet.items",
}

// intDomains are numeric request parameters whose values form a small set,
// so that a Sigma numeric comparison can be written as an "in" list
// (json.value compares text: "10" < "7").
var intDomains = map[string][]int{
	"requestParameters.backupRetentionPeriod": intRange(0, 35),
	"requestParameters.monitoringInterval":    {0, 1, 5, 10, 15, 30, 60},
}

func intRange(lo, hi int) []int {
	out := make([]int, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

// pointer renders path segments as an RFC 6901 JSON pointer.
func pointer(segs []string) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		s = strings.ReplaceAll(s, "~", "~0")
		s = strings.ReplaceAll(s, "/", "~1")
		b.WriteString(s)
	}
	return b.String()
}

func fqIsBare(s string) bool  { return fq.IsBare(s) }
func fqQuote(s string) string { return fq.Quote(s) }
