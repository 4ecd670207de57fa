package gencorpus

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"
)

// principal is who makes a call.
type principal struct {
	account   string
	arn       string
	idType    string // AssumedRole, IAMUser, AWSService
	principal string
	keyID     string
	userName  string // IAM user or role name
	issuerArn string // for assumed roles
	agent     string
	ip        string
}

// call is one record to write; params and response are raw JSON (or "").
type call struct {
	t         time.Time
	source    string // eventSource
	name      string // eventName
	who       *principal
	region    string
	params    string
	response  string
	errorCode string
	errorMsg  string
	readOnly  bool
	id        string // eventID
	fires     []string
}

// jsonStr appends s as a JSON string. Generated text is ASCII; quotes and
// backslashes are escaped.
func jsonStr(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '"' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, '"')
}

// appendRecord writes one CloudTrail record (eventVersion 1.09 layout).
func appendRecord(b []byte, c *call, requestID string) []byte {
	w := c.who
	b = append(b, `{"eventVersion":"1.09","userIdentity":{"type":`...)
	b = jsonStr(b, w.idType)
	switch w.idType {
	case "AWSService":
		b = append(b, `,"invokedBy":`...)
		b = jsonStr(b, w.agent)
	default:
		b = append(b, `,"principalId":`...)
		b = jsonStr(b, w.principal)
		b = append(b, `,"arn":`...)
		b = jsonStr(b, w.arn)
		b = append(b, `,"accountId":`...)
		b = jsonStr(b, w.account)
		b = append(b, `,"accessKeyId":`...)
		b = jsonStr(b, w.keyID)
		if w.idType == "IAMUser" {
			b = append(b, `,"userName":`...)
			b = jsonStr(b, w.userName)
		} else {
			b = append(b, `,"sessionContext":{"sessionIssuer":{"type":"Role","principalId":`...)
			b = jsonStr(b, w.principal[:21])
			b = append(b, `,"arn":`...)
			b = jsonStr(b, w.issuerArn)
			b = append(b, `,"accountId":`...)
			b = jsonStr(b, w.account)
			b = append(b, `,"userName":`...)
			b = jsonStr(b, w.userName)
			b = append(b, `},"attributes":{"creationDate":`...)
			b = jsonStr(b, c.t.Add(-37*time.Minute).UTC().Format("2006-01-02T15:04:05Z"))
			b = append(b, `,"mfaAuthenticated":"false"}}`...)
		}
	}
	b = append(b, `},"eventTime":`...)
	b = jsonStr(b, c.t.UTC().Format("2006-01-02T15:04:05Z"))
	b = append(b, `,"eventSource":`...)
	b = jsonStr(b, c.source)
	b = append(b, `,"eventName":`...)
	b = jsonStr(b, c.name)
	b = append(b, `,"awsRegion":`...)
	b = jsonStr(b, c.region)
	b = append(b, `,"sourceIPAddress":`...)
	b = jsonStr(b, w.ip)
	b = append(b, `,"userAgent":`...)
	b = jsonStr(b, w.agent)
	if c.errorCode != "" {
		b = append(b, `,"errorCode":`...)
		b = jsonStr(b, c.errorCode)
		b = append(b, `,"errorMessage":`...)
		b = jsonStr(b, c.errorMsg)
	}
	b = append(b, `,"requestParameters":`...)
	if c.params == "" {
		b = append(b, "null"...)
	} else {
		b = append(b, c.params...)
	}
	b = append(b, `,"responseElements":`...)
	if c.response == "" || c.errorCode != "" {
		b = append(b, "null"...)
	} else {
		b = append(b, c.response...)
	}
	b = append(b, `,"requestID":`...)
	b = jsonStr(b, requestID)
	b = append(b, `,"eventID":`...)
	b = jsonStr(b, c.id)
	b = append(b, `,"readOnly":`...)
	b = strconv.AppendBool(b, c.readOnly)
	b = append(b, `,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":`...)
	b = jsonStr(b, w.account)
	b = append(b, `,"eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":`...)
	b = jsonStr(b, hostOf(c.source, c.region))
	b = append(b, `}}`...)
	return b
}

func hostOf(source, region string) string {
	svc := source[:len(source)-len(".amazonaws.com")]
	if svc == "iam" || svc == "sts" && region == "" {
		return svc + ".amazonaws.com"
	}
	return svc + "." + region + ".amazonaws.com"
}

// uuid returns a random RFC 4122 version 4 UUID from r.
func uuid(r *rand.Rand) string {
	a, b := r.Uint64(), r.Uint64()
	a = a&^0xf000 | 0x4000
	b = b&^(0xc<<60) | 0x8<<60
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", a>>32, (a>>16)&0xffff, a&0xffff, b>>48, b&0xffffffffffff)
}

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randID(r *rand.Rand, prefix string, n int) string {
	b := []byte(prefix)
	for range n {
		b = append(b, alnum[r.IntN(len(alnum))])
	}
	return string(b)
}

func lowerID(r *rand.Rand, n int) string {
	const chars = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = chars[r.IntN(len(chars))]
	}
	return string(b)
}

// userAgents are typical callers of the management API.
var userAgents = []string{
	"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0 exe/x86_64.debian.12 prompt/off command/ec2.describe-instances",
	"Boto3/1.34.69 md/Botocore#1.34.69 ua/2.0 os/linux#6.1.0 md/arch#x86_64 lang/python#3.12.2 cfg/retry-mode#legacy Botocore/1.34.69",
	"aws-sdk-go-v2/1.26.1 os/linux lang/go#1.22.2 md/GOOS#linux md/GOARCH#amd64 api/rds#1.77.0",
	"Terraform/1.8.2 (+https://www.terraform.io) terraform-provider-aws/5.46.0 (+https://registry.terraform.io/providers/hashicorp/aws) aws-sdk-go-v2/1.26.1",
	"console.amazonaws.com",
	"aws-internal/3 aws-sdk-java/1.12.696 Linux/5.10.213 OpenJDK_64-Bit_Server_VM/25.402-b08 java/1.8.0_402 vendor/Oracle_Corporation cfg/retry-mode/standard",
}

// serviceCall describes a background call: its service, name, share and
// parameters.
type serviceCall struct {
	source   string
	name     string
	weight   int
	readOnly bool
	params   func(r *rand.Rand, g *streamGen) string
	response func(r *rand.Rand, g *streamGen) string
	// fires lists the pack rules the call fires on its own.
	fires []string
}

func bucket(r *rand.Rand) string {
	return []string{"acme-app-assets", "acme-data-lake-raw", "acme-logs-archive", "acme-terraform-state", "acme-build-artifacts"}[r.IntN(5)]
}

func dbName(r *rand.Rand) string {
	return []string{"orders-prod", "orders-replica-1", "billing-db", "analytics-aurora", "inventory-pg"}[r.IntN(5)]
}

// background is the call mix of the generated archive; RDS is a small
// share of read-only calls (three distinct Describe actions, so that no
// principal's background traffic reaches the reconnaissance threshold); the
// Describe calls fire the pack's informational discovery rule.
var background = []serviceCall{
	{source: "ec2.amazonaws.com", name: "DescribeInstances", weight: 120, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"instancesSet":{},"filterSet":{"items":[{"name":"tag:Environment","valueSet":{"items":[{"value":"prod"}]}}]}}`
	}},
	{source: "ec2.amazonaws.com", name: "DescribeSecurityGroups", weight: 40, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"securityGroupSet":{},"securityGroupIdSet":{"items":[{"groupId":"sg-0` + lowerID(r, 16) + `"}]},"filterSet":{}}`
	}},
	{source: "ec2.amazonaws.com", name: "DescribeVolumes", weight: 30, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"volumeSet":{},"filterSet":{},"maxResults":500}`
	}},
	{source: "ec2.amazonaws.com", name: "CreateTags", weight: 8, params: func(r *rand.Rand, g *streamGen) string {
		return `{"resourcesSet":{"items":[{"resourceId":"i-0` + lowerID(r, 16) + `"}]},"tagSet":{"items":[{"key":"Owner","value":"platform"}]}}`
	}, response: func(r *rand.Rand, g *streamGen) string {
		return `{"requestId":"` + uuid(r) + `","_return":true}`
	}},
	{source: "s3.amazonaws.com", name: "GetBucketAcl", weight: 50, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		b := bucket(r)
		return `{"bucketName":"` + b + `","Host":"` + b + `.s3.amazonaws.com","acl":""}`
	}},
	{source: "s3.amazonaws.com", name: "GetBucketLocation", weight: 40, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		b := bucket(r)
		return `{"bucketName":"` + b + `","Host":"` + b + `.s3.amazonaws.com","location":""}`
	}},
	{source: "s3.amazonaws.com", name: "ListBuckets", weight: 15, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"Host":"s3.amazonaws.com"}`
	}},
	{source: "sts.amazonaws.com", name: "AssumeRole", weight: 60, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"roleArn":"arn:aws:iam::` + g.account + `:role/app-deployer","roleSessionName":"session-` + lowerID(r, 10) + `","durationSeconds":3600}`
	}, response: func(r *rand.Rand, g *streamGen) string {
		return `{"credentials":{"accessKeyId":"` + randID(r, "ASIA", 16) + `","sessionToken":"IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ` + lowerID(r, 40) + `","expiration":"Dec 1, 2026, 1:00:00 AM"},"assumedRoleUser":{"assumedRoleId":"` + randID(r, "AROA", 17) + `:session","arn":"arn:aws:sts::` + g.account + `:assumed-role/app-deployer/session"}}`
	}},
	{source: "sts.amazonaws.com", name: "GetCallerIdentity", weight: 25, readOnly: true},
	{source: "kms.amazonaws.com", name: "Decrypt", weight: 90, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"encryptionAlgorithm":"SYMMETRIC_DEFAULT","encryptionContext":{"aws:s3:arn":"arn:aws:s3:::` + bucket(r) + `/data/part-` + lowerID(r, 8) + `.parquet"}}`
	}},
	{source: "kms.amazonaws.com", name: "GenerateDataKey", weight: 45, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"keyId":"arn:aws:kms:` + g.region + `:` + g.account + `:key/` + uuid(r) + `","keySpec":"AES_256"}`
	}},
	{source: "iam.amazonaws.com", name: "GetRole", weight: 20, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"roleName":"` + []string{"app-deployer", "lambda-exec", "ci-runner", "rds-monitoring"}[r.IntN(4)] + `"}`
	}},
	{source: "iam.amazonaws.com", name: "ListRoles", weight: 8, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"maxItems":100}`
	}},
	{source: "lambda.amazonaws.com", name: "ListFunctions20150331", weight: 15, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"functionVersion":"ALL"}`
	}},
	{source: "lambda.amazonaws.com", name: "GetFunction20150331v2", weight: 10, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"functionName":"orders-` + []string{"ingest", "notify", "reconcile"}[r.IntN(3)] + `"}`
	}},
	{source: "logs.amazonaws.com", name: "DescribeLogGroups", weight: 20, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"logGroupNamePrefix":"/aws/lambda/"}`
	}},
	{source: "monitoring.amazonaws.com", name: "GetMetricData", weight: 25, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"metricDataQueries":[{"id":"m1","metricStat":{"metric":{"namespace":"AWS/RDS","metricName":"CPUUtilization"},"period":60,"stat":"Average"}}],"startTime":"Nov 26, 2026, 10:00:00 AM","endTime":"Nov 26, 2026, 11:00:00 AM"}`
	}},
	{source: "rds.amazonaws.com", name: "DescribeDBInstances", weight: 9, readOnly: true, fires: discoveryRules("DescribeDBInstances"), params: func(r *rand.Rand, g *streamGen) string {
		return `{"dBInstanceIdentifier":"` + dbName(r) + `"}`
	}},
	{source: "rds.amazonaws.com", name: "DescribeDBClusters", weight: 4, readOnly: true, fires: discoveryRules("DescribeDBClusters"), params: func(r *rand.Rand, g *streamGen) string {
		return `{"includeShared":false}`
	}},
	{source: "rds.amazonaws.com", name: "ListTagsForResource", weight: 4, readOnly: true, params: func(r *rand.Rand, g *streamGen) string {
		return `{"resourceName":"arn:aws:rds:` + g.region + `:` + g.account + `:db:` + dbName(r) + `"}`
	}},
	{source: "rds.amazonaws.com", name: "DescribeDBSnapshots", weight: 3, readOnly: true, fires: discoveryRules("DescribeDBSnapshots"), params: func(r *rand.Rand, g *streamGen) string {
		return `{"dBInstanceIdentifier":"` + dbName(r) + `","snapshotType":"manual","includeShared":false,"includePublic":false}`
	}},
}

var backgroundWeight = func() int {
	n := 0
	for _, c := range background {
		n += c.weight
	}
	return n
}()

// nonRDSDenials are background permission errors outside RDS (they fire no
// RDS rule).
var nonRDSDenials = []struct{ source, name string }{
	{"s3.amazonaws.com", "GetBucketPolicy"},
	{"iam.amazonaws.com", "ListAttachedRolePolicies"},
	{"kms.amazonaws.com", "Decrypt"},
	{"ec2.amazonaws.com", "DescribeInstances"},
}
