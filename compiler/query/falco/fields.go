package falco

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Type is the type of a field's value.
type Type int

const (
	TypeString Type = iota
	TypeUint64
)

func (t Type) String() string {
	if t == TypeUint64 {
		return "uint64"
	}
	return "string"
}

// argKind says whether a field takes an [arg].
type argKind int

const (
	argNone     argKind = iota
	argRequired         // json.value[<pointer>]
	argIndex            // ec2.imageids[<n>], optional
)

// fieldDef is one field the evaluator knows: the fields of the cloudtrail
// plugin (plugins/cloudtrail/pkg/cloudtrail/extract.go, v0.17.1), of the
// json plugin (plugins/json/pkg/json/json.go, v0.7.4) and a few evt.* fields
// libsinsp offers to every plugin source.
type fieldDef struct {
	typ  Type
	list bool
	arg  argKind
	// str extracts a string value; ok is false when the field is not
	// extracted (absent), which makes every comparison on it false.
	str func(r *Record, arg string) (string, bool)
	// u64 extracts a number.
	u64 func(r *Record, arg string) (uint64, bool)
	// strs extracts a list field.
	strs func(r *Record, arg string, hasArg bool) ([]string, bool)
}

// Fields lists the names of the fields the evaluator supports, sorted.
func Fields() []string {
	out := make([]string, 0, len(fields))
	for n := range fields {
		out = append(out, n)
	}
	sortStrings(out)
	return out
}

// FieldType returns the type of a known field.
func FieldType(name string) (Type, bool) {
	d, ok := fields[name]
	if !ok {
		return 0, false
	}
	return d.typ, true
}

// ct builds a field that reads fastjson Get(path...) then GetStringBytes:
// absent key, not extracted; a non-string value, "".
func ct(path ...string) fieldDef {
	return fieldDef{str: func(r *Record, _ string) (string, bool) {
		v, ok := jget(r.Fields, path...)
		if !ok {
			return "", false
		}
		return stringBytes(v), true
	}}
}

// ctJSON builds a field that marshals a whole sub-object.
func ctJSON(key string) fieldDef {
	return fieldDef{str: func(r *Record, _ string) (string, bool) {
		v, ok := r.Fields[key]
		if !ok {
			return "", false
		}
		return compact(v), true
	}}
}

// ctBool builds a field that renders fastjson Value.Bool() as "true" or
// "false" (a JSON string "true" gives "false").
func ctBool(key string) fieldDef {
	return fieldDef{str: func(r *Record, _ string) (string, bool) {
		v, ok := r.Fields[key]
		if !ok {
			return "", false
		}
		if jbool(v) {
			return "true", true
		}
		return "false", true
	}}
}

func strField(fn func(r *Record) (string, bool)) fieldDef {
	return fieldDef{str: func(r *Record, _ string) (string, bool) { return fn(r) }}
}

func u64Field(fn func(r *Record) (uint64, bool)) fieldDef {
	return fieldDef{typ: TypeUint64, u64: func(r *Record, _ string) (uint64, bool) { return fn(r) }}
}

var fields map[string]fieldDef

func init() {
	fields = map[string]fieldDef{
		"ct.id":                       ct("eventID"),
		"ct.error":                    ct("errorCode"),
		"ct.errormessage":             ct("errorMessage"),
		"ct.time":                     ct("eventTime"),
		"ct.src":                      ct("eventSource"),
		"ct.shortsrc":                 strField(shortSrc),
		"ct.name":                     ct("eventName"),
		"ct.user":                     strField(ctUser),
		"ct.originaluser":             strField(originalUser),
		"ct.user.accountid":           strField(accountID),
		"ct.user.identitytype":        ct("userIdentity", "type"),
		"ct.user.principalid":         ct("userIdentity", "principalId"),
		"ct.user.arn":                 ct("userIdentity", "arn"),
		"ct.region":                   ct("awsRegion"),
		"ct.response.subnetid":        ct("responseElements", "subnetId"),
		"ct.response.reservationid":   ct("responseElements", "reservationId"),
		"ct.response":                 ctJSON("responseElements"),
		"ct.request.availabilityzone": ct("requestParameters", "availabilityZone"),
		"ct.request.cluster":          ct("requestParameters", "cluster"),
		"ct.request.functionname":     ct("requestParameters", "functionName"),
		"ct.request.groupname":        ct("requestParameters", "groupName"),
		"ct.request.host":             ct("requestParameters", "Host"),
		"ct.request.name":             ct("requestParameters", "name"),
		"ct.request.policy":           ct("requestParameters", "policy"),
		"ct.request.reason":           ct("requestParameters", "reason"),
		"ct.request.target":           ct("requestParameters", "target"),
		// The plugin's switch spells this case "ct.request.documentName", so
		// the declared lower-case field is never extracted.
		"ct.request.documentname":                strField(func(*Record) (string, bool) { return "", false }),
		"ct.request.serialnumber":                ct("requestParameters", "serialNumber"),
		"ct.request.servicename":                 ct("requestParameters", "serviceName"),
		"ct.request.subnetid":                    ct("requestParameters", "subnetId"),
		"ct.request.taskdefinition":              ct("requestParameters", "taskDefinition"),
		"ct.request.username":                    ct("requestParameters", "userName"),
		"ct.request":                             ctJSON("requestParameters"),
		"ct.srcip":                               ct("sourceIPAddress"),
		"ct.useragent":                           ct("userAgent"),
		"ct.info":                                strField(func(r *Record) (string, bool) { return evtInfo(r), true }),
		"ct.managementevent":                     ctBool("managementEvent"),
		"ct.readonly":                            ctBool("readOnly"),
		"ct.requestid":                           ct("requestID"),
		"ct.eventtype":                           ct("eventType"),
		"ct.apiversion":                          ct("apiVersion"),
		"ct.resources":                           strField(resources),
		"ct.recipientaccountid":                  ct("recipientAccountId"),
		"ct.serviceeventdetails":                 ct("serviceEventDetails"),
		"ct.sharedeventid":                       ct("sharedEventID"),
		"ct.vpcendpointid":                       ct("vpcEndpointId"),
		"ct.eventcategory":                       ct("eventCategory"),
		"ct.addendum.reason":                     ct("addendum", "reason"),
		"ct.addendum.updatedfields":              ct("addendum", "updatedFields"),
		"ct.addendum.originalrequestid":          ct("addendum", "originalRequestID"),
		"ct.addendum.originaleventid":            ct("addendum", "originalEventID"),
		"ct.sessioncredentialfromconsole":        ctBool("sessionCredentialFromConsole"),
		"ct.edgedevicedetails":                   ct("edgeDeviceDetails"),
		"ct.tlsdetails.tlsversion":               ct("tlsDetails", "tlsVersion"),
		"ct.tlsdetails.ciphersuite":              ct("tlsDetails", "cipherSuite"),
		"ct.tlsdetails.clientprovidedhostheader": ct("tlsDetails", "clientProvidedHostHeader"),
		"ct.additionaleventdata":                 ctJSON("additionalEventData"),
		"s3.uri":                                 strField(s3URI),
		"s3.bucket":                              ct("requestParameters", "bucketName"),
		"s3.key":                                 ct("requestParameters", "key"),
		"s3.bytes":                               u64Field(func(r *Record) (uint64, bool) { return s3Bytes(r, true, true) }),
		"s3.bytes.in":                            u64Field(func(r *Record) (uint64, bool) { return s3Bytes(r, true, false) }),
		"s3.bytes.out":                           u64Field(func(r *Record) (uint64, bool) { return s3Bytes(r, false, true) }),
		"s3.cnt.get":                             u64Field(func(r *Record) (uint64, bool) { return 1, stringBytes(r.Fields["eventName"]) == "GetObject" }),
		"s3.cnt.put":                             u64Field(func(r *Record) (uint64, bool) { return 1, stringBytes(r.Fields["eventName"]) == "PutObject" }),
		"s3.cnt.other": u64Field(func(r *Record) (uint64, bool) {
			n := stringBytes(r.Fields["eventName"])
			return 1, n != "GetObject" && n != "PutObject"
		}),
		"ec2.name": strField(ec2Name),
		"ec2.imageid": strField(func(r *Record) (string, bool) {
			ids, ok := imageIDs(r, 0, true)
			if !ok {
				return "", false
			}
			return ids[0], true
		}),
		"ec2.imageids": {list: true, arg: argIndex, strs: func(r *Record, arg string, hasArg bool) ([]string, bool) {
			if !hasArg {
				return imageIDs(r, 0, false)
			}
			n, err := strconv.Atoi(arg)
			if err != nil {
				return nil, false
			}
			return imageIDs(r, n, true)
		}},
		"ecr.repository": ct("requestParameters", "repositoryName"),
		"ecr.imagetag":   ct("requestParameters", "imageTag"),
		"iam.role":       ct("requestParameters", "roleName"),
		"iam.policy":     ct("requestParameters", "policyName"),

		// json plugin. jevt.* are its backward-compatible aliases.
		"json.value":   {arg: argRequired, str: func(r *Record, arg string) (string, bool) { return jsonPointer(r.Fields, arg) }},
		"jevt.value":   {arg: argRequired, str: func(r *Record, arg string) (string, bool) { return jsonPointer(r.Fields, arg) }},
		"json.obj":     strField(jsonObj),
		"jevt.obj":     strField(jsonObj),
		"json.rawtime": strField(rawTime),
		"jevt.rawtime": strField(rawTime),

		// libsinsp event fields available to plugin sources (subset).
		"evt.num":          u64Field(func(r *Record) (uint64, bool) { return r.Num, true }),
		"evt.time":         strField(func(r *Record) (string, bool) { return r.Time.UTC().Format("15:04:05.000000000"), true }),
		"evt.time.iso8601": strField(func(r *Record) (string, bool) { return r.Time.UTC().Format("2006-01-02T15:04:05.000000000Z"), true }),
		"evt.rawtime":      u64Field(func(r *Record) (uint64, bool) { return uint64(r.Time.UnixNano()), true }),
		"evt.datetime":     strField(func(r *Record) (string, bool) { return r.Time.UTC().Format("2006-01-02 15:04:05"), true }),
		"evt.plugininfo":   strField(func(r *Record) (string, bool) { return evtInfo(r), true }),
		"evt.pluginname":   strField(func(*Record) (string, bool) { return "cloudtrail", true }),
		"evt.source":       strField(func(*Record) (string, bool) { return "aws_cloudtrail", true }),
	}
}

func shortSrc(r *Record) (string, bool) {
	v, ok := r.Fields["eventSource"]
	if !ok {
		return "", false
	}
	s := stringBytes(v)
	const suffix = ".amazonaws.com"
	if len(s) > len(suffix) && strings.HasSuffix(s, suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return s, true
}

// ctUser follows getUser: the value depends on userIdentity.type.
func ctUser(r *Record) (string, bool) {
	t, ok := jget(r.Fields, "userIdentity", "type")
	ts, isStr := t.(string)
	if !ok || !isStr {
		return "", false
	}
	var key []string
	switch ts {
	case "Root", "IAMUser":
		key = []string{"userIdentity", "userName"}
	case "AWSService":
		key = []string{"userIdentity", "invokedBy"}
	case "AssumedRole":
		if v, ok := jget(r.Fields, "userIdentity", "sessionContext", "sessionIssuer", "userName"); ok {
			return stringBytes(v), true
		}
		return "AssumedRole", true
	case "AWSAccount", "FederatedUser":
		return ts, true
	default:
		return "", false
	}
	v, ok := jget(r.Fields, key...)
	if !ok {
		return "", false
	}
	return stringBytes(v), true
}

func originalUser(r *Record) (string, bool) {
	if t, ok := jget(r.Fields, "userIdentity", "type"); ok && t == "AssumedRole" {
		if arn, ok := jget(r.Fields, "userIdentity", "arn"); ok {
			if parts := strings.Split(stringBytes(arn), "/"); len(parts) == 3 {
				return parts[2], true
			}
		}
		if p, ok := jget(r.Fields, "userIdentity", "principalId"); ok {
			if parts := strings.Split(stringBytes(p), ":"); len(parts) == 2 {
				return parts[1], true
			}
		}
		return "", false
	}
	v, ok := jget(r.Fields, "userIdentity", "userName")
	if !ok {
		return "", false
	}
	return stringBytes(v), true
}

func accountID(r *Record) (string, bool) {
	if v, ok := jget(r.Fields, "userIdentity", "accountId"); ok {
		return stringBytes(v), true
	}
	if v, ok := r.Fields["recipientAccountId"]; ok {
		return stringBytes(v), true
	}
	return "", false
}

func resources(r *Record) (string, bool) {
	v, ok := r.Fields["resources"]
	if !ok {
		return "", false
	}
	list, _ := v.([]any)
	parts := make([]string, 0, len(list))
	for _, e := range list {
		parts = append(parts, compact(e))
	}
	s := strings.Join(parts, ",")
	return s, s != ""
}

func s3URI(r *Record) (string, bool) {
	b, ok1 := jget(r.Fields, "requestParameters", "bucketName")
	k, ok2 := jget(r.Fields, "requestParameters", "key")
	bs, isStr1 := b.(string)
	ks, isStr2 := k.(string)
	if !ok1 || !ok2 || !isStr1 || !isStr2 {
		return "", false
	}
	return fmt.Sprintf("s3://%s/%s", bs, ks), true
}

// u64Value follows getvalueU64: an unsigned integer, else a float
// truncated, else 0.
func u64Value(v any) uint64 {
	n, ok := v.(json.Number)
	if !ok {
		return 0
	}
	if u, err := strconv.ParseUint(n.String(), 10, 64); err == nil {
		return u
	}
	if f, err := strconv.ParseFloat(n.String(), 64); err == nil && !math.IsNaN(f) {
		return uint64(f)
	}
	return 0
}

func s3Bytes(r *Record, in, out bool) (uint64, bool) {
	var tot uint64
	found := false
	if in {
		if v, ok := jget(r.Fields, "additionalEventData", "bytesTransferredIn"); ok {
			tot += u64Value(v)
			found = true
		}
	}
	if out {
		if v, ok := jget(r.Fields, "additionalEventData", "bytesTransferredOut"); ok {
			tot += u64Value(v)
			found = true
		}
	}
	return tot, found
}

func ec2Name(r *Record) (string, bool) {
	v, ok := jget(r.Fields, "requestParameters", "tagSpecificationSet", "items")
	items, isArr := v.([]any)
	if !ok || !isArr {
		return "", false
	}
	name := ""
	for _, it := range items {
		rt, _ := jget(it, "resourceType")
		if stringBytes(rt) != "instance" {
			continue
		}
		tags, _ := jget(it, "tags")
		tl, _ := tags.([]any)
		for _, tag := range tl {
			k, _ := jget(tag, "key")
			if stringBytes(k) == "Name" {
				val, _ := jget(tag, "value")
				name = stringBytes(val)
				break
			}
		}
	}
	return name, name != ""
}

// imageIDs follows getImageIds.
func imageIDs(r *Record, idx int, indexed bool) ([]string, bool) {
	if v, ok := jget(r.Fields, "responseElements", "instancesSet", "items"); ok {
		list, _ := v.([]any)
		if !indexed {
			var ids []string
			for _, it := range list {
				id, _ := jget(it, "imageId")
				if s := stringBytes(id); s != "" {
					ids = append(ids, s)
				}
			}
			return ids, len(ids) != 0
		}
		if idx < 0 || idx >= len(list) {
			return nil, false
		}
		id, ok := jget(list[idx], "imageId")
		if !ok {
			return nil, false
		}
		return []string{stringBytes(id)}, true
	}
	if indexed && idx != 0 {
		return nil, false
	}
	for _, p := range [][]string{
		{"requestParameters", "imageId"},
		{"requestParameters", "DescribeFastLaunchImagesRequest", "ImageId", "content"},
		{"requestParameters", "launchSpecification", "imageId"},
	} {
		if v, ok := jget(r.Fields, p...); ok {
			return []string{stringBytes(v)}, true
		}
	}
	return nil, false
}

func jsonObj(r *Record) (string, bool) {
	b, err := json.MarshalIndent(r.Fields, "", "  ")
	if err != nil {
		return "", false
	}
	return string(b), true
}

func rawTime(r *Record) (string, bool) {
	return strconv.FormatInt(r.Time.UnixNano(), 10), true
}

// evtInfo is the first part of the plugin's getEvtInfo summary ("who via
// where did what"); the service-specific suffixes are left out.
func evtInfo(r *Record) string {
	user, ok := ctUser(r)
	if !ok {
		return "<invalid cloudtrail event: userIdentity field missing>"
	}
	ip, ok := jget(r.Fields, "sourceIPAddress")
	if !ok {
		return "<invalid cloudtrail event: eventSource field missing>"
	}
	srcip := stringBytes(ip)
	errSym := ""
	if _, ok := r.Fields["errorCode"]; ok {
		errSym = "!"
	}
	rw := "←"
	if ro, ok := r.Fields["readOnly"]; ok && !jbool(ro) {
		rw = "→"
	}
	name, ok := jget(r.Fields, "eventName")
	if !ok {
		return "<invalid cloudtrail event: eventName field missing>"
	}
	if user == srcip {
		return fmt.Sprintf("%v %v%v %v", user, errSym, rw, stringBytes(name))
	}
	return fmt.Sprintf("%v via %v %v%v %v", user, srcip, errSym, rw, stringBytes(name))
}
