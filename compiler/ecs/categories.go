package ecs

// category is the event.category and event.type the pipeline sets for one
// event name.
type category struct {
	category string
	types    []string
}

// categories is the parameter table of the pipeline's "Add ECS
// categorization" script (IAM, STS, sign-in and S3 bucket actions). No RDS
// action is listed: RDS events keep event.type ["info"] and have no
// event.category.
var categories = map[string]category{
	"AddUserToGroup":                     {"iam", []string{"group", "change"}},
	"AssumeRole":                         {"authentication", []string{"info"}},
	"AttachGroupPolicy":                  {"iam", []string{"group", "change"}},
	"AttachUserPolicy":                   {"iam", []string{"user", "change"}},
	"ChangePassword":                     {"iam", []string{"user", "change"}},
	"ConsoleLogin":                       {"authentication", []string{"info"}},
	"CreateAccessKey":                    {"iam", []string{"user", "change"}},
	"CreateBucket":                       {"file", []string{"creation"}},
	"CreateGroup":                        {"iam", []string{"group", "creation"}},
	"CreateKeyPair":                      {"iam", []string{"admin", "creation"}},
	"CreateUser":                         {"iam", []string{"user", "creation"}},
	"CreateVirtualMFADevice":             {"iam", []string{"user", "change"}},
	"DeactivateMFADevice":                {"iam", []string{"user", "change"}},
	"DeleteAccessKey":                    {"iam", []string{"user", "change"}},
	"DeleteBucket":                       {"file", []string{"deletion"}},
	"DeleteGroup":                        {"iam", []string{"group", "deletion"}},
	"DeleteGroupPolicy":                  {"iam", []string{"group", "change"}},
	"DeleteSSHPublicKey":                 {"iam", []string{"user", "change"}},
	"DeleteUser":                         {"iam", []string{"user", "deletion"}},
	"DeleteUserPermissionsBoundary":      {"iam", []string{"user", "change"}},
	"DeleteUserPolicy":                   {"iam", []string{"user", "change"}},
	"DeleteVirtualMFADevice":             {"iam", []string{"user", "change"}},
	"DetachGroupPolicy":                  {"iam", []string{"group", "change"}},
	"DetachUserPolicy":                   {"iam", []string{"user", "change"}},
	"EnableMFADevice":                    {"iam", []string{"user", "change"}},
	"GetGroup":                           {"iam", []string{"group", "info"}},
	"GetGroupPolicy":                     {"iam", []string{"group", "info"}},
	"GetUser":                            {"iam", []string{"user", "info"}},
	"GetUserPolicy":                      {"iam", []string{"user", "info"}},
	"ListAttachedGroupPolicies":          {"iam", []string{"group", "info"}},
	"ListAttachedUserPolicies":           {"iam", []string{"user", "info"}},
	"ListGroupPolicies":                  {"iam", []string{"group", "info"}},
	"ListGroups":                         {"iam", []string{"group", "info"}},
	"ListGroupsForUser":                  {"iam", []string{"user", "info"}},
	"ListUserPolicies":                   {"iam", []string{"user", "info"}},
	"ListUsers":                          {"iam", []string{"user", "info"}},
	"ListUserTags":                       {"iam", []string{"user", "info"}},
	"PutGroupPolicy":                     {"iam", []string{"group", "change"}},
	"PutUserPermissionsBoundary":         {"iam", []string{"user", "change"}},
	"PutUserPolicy":                      {"iam", []string{"user", "change"}},
	"RemoveUserFromGroup":                {"iam", []string{"group", "change"}},
	"SetDefaultPolicyVersion":            {"iam", []string{"admin", "change"}},
	"SetSecurityTokenServicePreferences": {"iam", []string{"admin", "change"}},
	"TagUser":                            {"iam", []string{"user", "change"}},
	"UntagUser":                          {"iam", []string{"user", "change"}},
	"UpdateAccessKey":                    {"iam", []string{"user", "change"}},
	"UpdateAccountPasswordPolicy":        {"iam", []string{"admin", "change"}},
	"UpdateGroup":                        {"iam", []string{"group", "change"}},
	"UpdateLoginProfile":                 {"iam", []string{"user", "change"}},
	"UpdateRole":                         {"iam", []string{"admin", "change"}},
	"UpdateSSHPublicKey":                 {"iam", []string{"user", "change"}},
	"UpdateUser":                         {"iam", []string{"user", "change"}},
}
