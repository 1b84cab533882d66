// Package cloudtrail decodes AWS CloudTrail records, the format
// "cloudtrail", as CloudTrail delivers them:
//   - S3 log objects {"Records":[…]} (the client decompresses .gz) and JSON
//     arrays of records, through DecodeAll, one event a record;
//   - single records, one a line (NDJSON, as written by Logstash, Firehose or
//     `jq -c '.Records[]'`), through Decode or DecodeAll;
//   - EventBridge events wrapping a record ({"detail-type":"AWS API Call
//     via CloudTrail","detail":{…}}), whose envelope is kept under
//     aws.eventbridge.* (id, detail-type, source, time, region, account);
//   - CloudTrail Lake GetQueryResults documents {"QueryResultRows":[[{col:
//     val},…],…]}: each row's columns are joined into one record.
//
// The whole record is kept, flattened with dots under aws.cloudtrail.* with
// CloudTrail's own member names (aws.cloudtrail.eventName,
// aws.cloudtrail.userIdentity.type,
// aws.cloudtrail.requestParameters.bucketName …), the way jsonl flattens
// JSON (arrays of objects become one array per leaf path). Sigma's
// CloudTrail rules name these members, and Shoseki's Sigma mapping looks them
// up under aws.cloudtrail.*. Because rules also search requestParameters,
// responseElements, additionalEventData and serviceEventDetails as a whole
// (requestParameters|contains: …), those four objects are also kept as
// their JSON text in aws.cloudtrail.<name>.
//
// ECS: event.kind event, event.module aws, event.dataset aws.cloudtrail,
// event.provider (eventSource), event.action (eventName), event.outcome
// (failure when errorCode is set; ConsoleLogin from
// responseElements.ConsoleLogin), event.category and event.type by service
// and API verb (see categorize), cloud.provider aws, cloud.region
// (awsRegion), cloud.account.id (recipientAccountId, else
// userIdentity.accountId), source.address (sourceIPAddress) and source.ip
// when it is an address (a service name such as "ec2.amazonaws.com" or "AWS
// Internal" stays in source.address only), user_agent.original, user.name
// (userIdentity.userName, else the ARN's last part: the session name of an
// assumed role, "root"), user.id (principalId), user.roles (the assumed
// role), user.target.name (requestParameters.userName of IAM calls),
// related.ip and related.user. event.id is not set: it is the store's.
//
// @timestamp is eventTime; else the EventBridge time; else a Logstash
// @timestamp in the record; else meta.Received. event.original is the
// record's bytes exactly (for a wrapper, the record's element; for
// EventBridge, the whole event).
//
// Allocation: each record is converted to a string once; event.original and
// every field's string share it (so an event from DecodeAll keeps its own
// record alive, not the whole input). Fields is allocated once, sized for
// the record's fields, the ECS fields and the ingest pipeline's; category
// and type values are shared; related.ip, related.user and user.roles share
// one backing array.
//
// Errors: a record that is not one JSON object, or has no eventSource or
// eventName, is a *parse.SyntaxError; a {"Records":[…]} line holding more
// than one record is an error for Decode (DecodeAll splits it).
//
// Not CloudTrail: the "aws_s3_honeybucketlogs" CSV of the shared corpus
// (OTRF Security-Datasets SDAWS-2202181000) is a honey-bucket service's
// alert export: CloudTrail data-event members (Event Name, Request ID,
// User ID as a Python dict, Source IP …) re-encoded as CSV with its own
// alarm columns. It is neither CloudTrail JSON nor the S3 server access log
// format (s3access), so neither format claims it (a test checks), and it is
// left to the generic CSV route.
package cloudtrail
