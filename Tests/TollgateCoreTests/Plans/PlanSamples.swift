/// Plans written for the tests, in the shapes terraform 1.x prints: a create, an in-place
/// update, a replacement, a destruction, a data read, sensitive values.
enum PlanSamples {
    static let esc = "\u{1B}"

    /// `terraform plan -no-color` output.
    static let text = """
        data.aws_iam_policy_document.deploy: Reading...
        aws_security_group.web: Refreshing state... [id=sg-0a1b2c]

        Note: Objects have changed outside of Terraform

        Terraform detected the following changes made outside of Terraform since the
        last "terraform apply" which may have affected this plan:

          # aws_s3_bucket.logs has been changed
          ~ resource "aws_s3_bucket" "logs" {
                id     = "logs"
              ~ tags   = {
                  + "Owner" = "ops"
                }
            }

        Terraform used the selected providers to generate the following execution
        plan. Resource actions are indicated with the following symbols:
          + create
          ~ update in-place
          - destroy
        -/+ destroy and then create replacement

        Terraform will perform the following actions:

          # aws_db_instance.main will be destroyed
          - resource "aws_db_instance" "main" {
              - allocated_storage = 20 -> null
              - identifier        = "prod-main" -> null
              - password          = (sensitive value) -> null
            }

          # aws_instance.web must be replaced
        -/+ resource "aws_instance" "web" {
              ~ ami                          = "ami-0aa" -> "ami-0bb" # forces replacement
              ~ id                           = "i-0123" -> (known after apply)
                # (12 unchanged attributes hidden)
            }

          # aws_security_group.web will be updated in-place
          ~ resource "aws_security_group" "web" {
              ~ ingress                = [
                  - {
                      - cidr_blocks      = [
                          - "10.0.0.0/8",
                        ]
                    },
                  + {
                      + cidr_blocks      = [
                          + "0.0.0.0/0",
                        ]
                    },
                ]
                name                   = "web"
                # (6 unchanged attributes hidden)
            }

          # module.net.aws_subnet.private["b"] will be created
          + resource "aws_subnet" "private" {
              + cidr_block = "10.1.2.0/24"
              + id         = (known after apply)
              + user_data  = <<-EOT
                    #!/bin/sh
                    rm -rf /var/cache/app
                EOT
            }

          # aws_instance.old (deposed object 1a2b3c4d) will be destroyed
          - resource "aws_instance" "old" {
              - ami = "ami-0aa" -> null
            }

        Plan: 2 to add, 1 to change, 3 to destroy.

        Changes to Outputs:
          ~ web_ip = "10.0.0.5" -> (known after apply)
        """

    /// The same plan as terraform colours it (SGR codes around markers and words).
    static var coloured: String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var line = String(line)
            for (marker, colour) in [("-/+ ", "31"), ("+ ", "32"), ("- ", "31"), ("~ ", "33")] {
                if let range = line.range(of: marker), line[..<range.lowerBound].allSatisfy({ $0 == " " }) {
                    line.replaceSubrange(range, with: "\(esc)[\(colour)m\(marker.dropLast())\(esc)[0m\(esc)[0m ")
                    break
                }
            }
            if line.hasPrefix("  # ") {
                line = "\(esc)[1m" + line.replacingOccurrences(of: " will be ", with: "\(esc)[0m will be \(esc)[1m\(esc)[31m") + "\(esc)[0m"
            }
            return line
        }.joined(separator: "\n")
    }

    /// `terraform show -json plan.tfplan`, trimmed to what matters, with the same changes.
    static let json = #"""
        {
          "format_version": "1.2",
          "terraform_version": "1.9.5",
          "planned_values": {"root_module": {}},
          "resource_changes": [
            {
              "address": "aws_s3_bucket.unchanged", "mode": "managed", "type": "aws_s3_bucket", "name": "unchanged",
              "change": {"actions": ["no-op"], "before": {"id": "x"}, "after": {"id": "x"}}
            },
            {
              "address": "aws_db_instance.main", "mode": "managed", "type": "aws_db_instance", "name": "main",
              "change": {
                "actions": ["delete"],
                "before": {"allocated_storage": 20, "identifier": "prod-main", "password": "hunter2-secret", "tags": null},
                "after": null, "after_unknown": {},
                "before_sensitive": {"password": true}, "after_sensitive": false
              }
            },
            {
              "address": "aws_instance.web", "mode": "managed", "type": "aws_instance", "name": "web",
              "change": {
                "actions": ["delete", "create"],
                "before": {"ami": "ami-0aa", "id": "i-0123", "instance_type": "t3.micro"},
                "after": {"ami": "ami-0bb", "id": null, "instance_type": "t3.micro"},
                "after_unknown": {"id": true},
                "before_sensitive": {}, "after_sensitive": {},
                "replace_paths": [["ami"]]
              }
            },
            {
              "address": "aws_instance.cache", "mode": "managed", "type": "aws_instance", "name": "cache",
              "change": {
                "actions": ["create", "delete"],
                "before": {"ami": "ami-0aa"}, "after": {"ami": "ami-0cc"},
                "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}
              }
            },
            {
              "address": "aws_security_group.web", "mode": "managed", "type": "aws_security_group", "name": "web",
              "change": {
                "actions": ["update"],
                "before": {"name": "web", "ingress": [{"cidr_blocks": ["10.0.0.0/8"], "from_port": 443}], "tags": {"Env": "prod"}},
                "after": {"name": "web", "ingress": [{"cidr_blocks": ["0.0.0.0/0"], "from_port": 443}], "tags": {"Env": "prod", "Owner": "ops"}},
                "after_unknown": {}, "before_sensitive": {}, "after_sensitive": {}
              }
            },
            {
              "address": "aws_iam_role_policy.deploy", "mode": "managed", "type": "aws_iam_role_policy", "name": "deploy",
              "change": {
                "actions": ["update"],
                "before": {"policy": "{\"Statement\":[{\"Action\":\"s3:GetObject\",\"Effect\":\"Allow\"}]}", "token": "old-token"},
                "after": {"policy": "{\"Statement\":[{\"Action\":\"*\",\"Effect\":\"Allow\"}]}", "token": "new-token-value"},
                "after_unknown": {}, "before_sensitive": {"token": true}, "after_sensitive": {"token": true}
              }
            },
            {
              "address": "module.net.aws_subnet.private[\"b\"]", "mode": "managed", "type": "aws_subnet", "name": "private",
              "change": {
                "actions": ["create"],
                "before": null,
                "after": {"cidr_block": "10.1.2.0/24", "id": null, "user_data": "#!/bin/sh\nrm -rf /var/cache/app\n",
                          "secret_tags": {"api_key": "sk-live-123"}, "tags": null},
                "after_unknown": {"id": true}, "before_sensitive": false,
                "after_sensitive": {"secret_tags": {"api_key": true}}
              }
            },
            {
              "address": "data.aws_caller_identity.current", "mode": "data", "type": "aws_caller_identity", "name": "current",
              "change": {"actions": ["read"], "before": null, "after": {"account_id": null}, "after_unknown": {"account_id": true}}
            }
          ],
          "output_changes": {
            "web_ip": {"actions": ["update"], "before": "10.0.0.5", "after": null, "after_unknown": true,
                       "before_sensitive": false, "after_sensitive": false},
            "db_password": {"actions": ["create"], "before": null, "after": "p@ss", "after_unknown": false,
                            "before_sensitive": false, "after_sensitive": true}
          }
        }
        """#
}
