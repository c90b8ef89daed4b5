import XCTest

@testable import TollgateCore

/// Real-world spellings of secrets, each with a harmless look-alike: every secret's value is
/// masked exactly (the text around it, key names included, is kept byte for byte), and every
/// look-alike is left exactly as it was.
final class SecretMaskerCorpusTests: XCTestCase {
    /// `S` lines hold secrets, their values between ⟦ and ⟧; `L` lines must stay as they are.
    /// `\n` in a line stands for a line break.
    static let corpus = #"""
        S PGPASSWORD=⟦Tr0ub4dor-3⟧ psql -h db.internal -U app shop
        L PGHOST=db.internal PGUSER=app psql -h db.internal shop
        S export DB_PASSWORD=⟦hunter2-but-longer⟧
        L export DB_PASSWORD_FILE=/run/secrets/db
        S MYSQL_PWD=⟦S3cretPw⟧ mysql -u root shop
        L PWD=/home/alice/project make build
        S MYSQL_ROOT_PASSWORD=⟦r00tpass⟧ docker compose up
        L OLDPWD=/tmp cd -
        S SECRET_KEY=⟦django-insecure-9f8e7d6c5b4a⟧
        L SECRET_KEY_FILE=/etc/app/secret_key
        S DJANGO_SECRET_KEY="⟦kq2mWx5Tn1Lp9Hc3⟧"
        L DJANGO_SETTINGS_MODULE="app.settings"
        S GITHUB_TOKEN=⟦f00ba4ba2ba5⟧ gh pr list
        L GITHUB_REPOSITORY=acme/infra gh pr list
        S NPM_TOKEN=⟦a1b2c3d4e5f6⟧ npm publish
        L NPM_CONFIG_REGISTRY=https://registry.npmjs.org npm publish
        S VAULT_TOKEN=⟦hvs.CAESIJ1b2c3d4⟧ vault kv get secret/app
        L VAULT_ADDR=https://vault.internal:8200 vault kv get secret/app
        S AWS_SECRET_ACCESS_KEY=⟦wJalrXUtnFEMI/K7MDENG/bPxRfiCY⟧ aws s3 ls
        L AWS_ACCESS_KEY_ID_FILE=/run/aws-id aws s3 ls
        S AWS_SESSION_TOKEN=⟦FwoGZXIvYXdzEJr⟧ aws sts get-caller-identity
        L AWS_DEFAULT_REGION=eu-west-1 aws sts get-caller-identity
        S REDIS_PASSWORD=⟦r3d1sPw⟧ redis-server
        L REDIS_PORT=6379 redis-server
        S RABBITMQ_DEFAULT_PASS=⟦rabbitPw9⟧ rabbitmq-server
        L RABBITMQ_DEFAULT_USER=guest rabbitmq-server
        S SMTP_PASS=⟦mailPw77⟧ ./send.sh
        L bypass=true ./send.sh
        S OPENAI_API_KEY=⟦proj1234abcd⟧ python run.py
        L OPENAI_API_BASE=https://api.openai.com python run.py
        S STRIPE_SECRET=⟦whsec9876abcd⟧ node server.js
        L STRIPE_SECRET_NAME=stripe-webhook node server.js
        S SLACK_BOT_TOKEN=⟦botTok3n99⟧ ./notify
        L SLACK_CHANNEL=#deploys ./notify
        S mysql -u root -p⟦S3cretPw⟧ shop
        L mysql -u root -p shop
        S mysqldump --user=app --password=⟦Dump3rPw⟧ shop
        L mysqldump --user=app --single-transaction shop
        S mariadb -h db -uroot -p⟦MariaPw1⟧
        L mariadb -h db -P 3306 -uroot
        S psql "host=db user=app password=⟦PsqlPw42⟧ dbname=shop"
        L psql "host=db user=app sslmode=require dbname=shop"
        S psql postgresql://app:⟦Tr0ub4dor⟧@db.internal:5432/shop
        L psql postgresql://app@db.internal:5432/shop
        S curl -u bob:⟦pw12345⟧ https://api.internal/v1
        L curl -u bob https://api.internal/v1
        S curl --user deploy:⟦d3ployPw⟧ https://ci.internal
        L curl --user-agent deploy:1.0 https://ci.internal
        S curl -H "Authorization: Bearer ⟦abc123def456⟧" https://api.internal
        L curl -H "Authorization: Bearer $API_TOKEN" https://api.internal
        S curl -H 'Authorization: Basic ⟦YWRtaW46c2VjcmV0⟧' https://api.internal
        L curl -H 'Accept: application/json' https://api.internal
        S curl -H "X-API-Key: ⟦k3y-abcdef⟧" https://api.internal
        L curl -H "X-API-Version: 2024-01-01" https://api.internal
        S curl -H "X-Auth-Token: ⟦t0k3n-abcd⟧" https://api.internal
        L curl -H "X-Request-Id: 7f3a" https://api.internal
        S curl -H "Proxy-Authorization: Basic ⟦cHJveHk6cHc=⟧" http://x
        L curl -H "Proxy-Connection: keep-alive" http://x
        S wget --password=⟦wg3tPass⟧ --user=bob https://files/x
        L wget --user=bob --no-password-prompt https://files/x
        S wget --http-password=⟦httpPw12⟧ https://files/x
        L wget --http-user=bob https://files/x
        S aws configure set aws_secret_access_key ⟦wJalrXUtnFEMI/K7MDENG⟧
        L aws configure set aws_access_key_id_profile default
        S docker login -u ci -p ⟦d0ckerPw⟧ registry.internal
        L docker login -u ci --password-stdin registry.internal
        S docker login --password ⟦d0ckerPw2⟧ registry.internal
        L docker build --secret id=npmrc,src=.npmrc .
        S podman login -u ci -p⟦p0dmanPw⟧ quay.io
        L podman run -p 8080:80 nginx
        S kubectl --token=⟦eyXk8sTok3n⟧ get pods
        L kubectl --token-file=/run/k8s get pods
        S kubectl --token ⟦k8sTok3n⟧ get pods
        L kubectl get secret db-password -o yaml
        S kubectl create secret generic db --from-literal=password=⟦kPw12345⟧
        L kubectl create secret generic db --from-file=password=./pw.txt
        S helm repo add acme https://charts.acme --username bob --password ⟦h3lmPw⟧
        L helm repo add acme https://charts.acme --username bob --pass-credentials
        S helm registry login r.acme -u bob -p ⟦h3lmReg⟧
        L helm install acme ./chart -f values.yaml
        S gh auth status && GH_TOKEN=⟦ghTok3n77⟧ gh repo list
        L gh auth login --with-token < token.txt
        S git remote add origin https://bob:⟦gitPat123⟧@github.com/acme/infra.git
        L git remote add origin https://github.com/acme/infra.git
        S git clone https://oauth2:⟦glTok3n12⟧@gitlab.com/acme/infra.git
        L git clone git@gitlab.com:acme/infra.git
        S redis-cli -a ⟦Pa55word⟧ ping
        L redis-cli -n 2 ping
        S redis-cli -u redis://:⟦P4ssword⟧@cache:6379/0 ping
        L redis-cli -u redis://cache:6379/0 ping
        S celery --broker rediss://:⟦Pa55/w0rd⟧@cache:6380/0 worker
        L celery --broker rediss://cache:6380/0 worker
        S amqp://guest:⟦gu3stPw⟧@rabbit:5672/vhost
        L amqp://rabbit:5672/vhost
        S mongosh "mongodb+srv://app:⟦M0ng0Pw⟧@cluster0.abcde.mongodb.net/shop"
        L mongosh "mongodb+srv://cluster0.abcde.mongodb.net/shop"
        S mongodb://admin:⟦p@ss/w0rd⟧@mongo:27017/admin
        L mongodb://mongo:27017/admin?replicaSet=rs0
        S jdbc:postgresql://db:5432/shop?user=app&password=⟦JdbcPw99⟧
        L jdbc:postgresql://db:5432/shop?user=app&ssl=true
        S jdbc:mysql://app:⟦JdbcPw77⟧@db:3306/shop
        L jdbc:mysql://db:3306/shop?useSSL=false
        S Server=db;Database=shop;User Id=app;Password=⟦SqlPw123⟧;
        L Server=db;Database=shop;Integrated Security=true;
        S Driver={ODBC};Uid=app;Pwd=⟦0dbcPw1⟧;
        L Driver={ODBC};Uid=app;Trusted_Connection=yes;
        S sshpass -p ⟦sshPw123⟧ ssh deploy@web1
        L ssh -p 2222 deploy@web1
        S openssl pkcs12 -export -passout pass:⟦p12Pw789⟧ -out a.p12
        L openssl pkcs12 -export -nodes -out a.p12
        S machine api.internal login bob password ⟦n3trcPw⟧
        L machine api.internal login bob
        S machine api.internal\n  login bob\n  password ⟦n3trcPw2⟧
        L reset the password for alice
        S //registry.npmjs.org/:_authToken=⟦npmAuth123⟧
        L //registry.npmjs.org/:always-auth=true
        S {"db_password": "⟦js0nPw12⟧", "db_user": "app"}
        L {"password_policy": "strict", "db_user": "app"}
        S {"Authorization": "Bearer ⟦j5onBearer⟧"}
        L {"Accept": "application/json"}
        S {'Authorization': 'Bearer ⟦pyBearer1⟧'}
        L {'Content-Type': 'application/json'}
        S {"client_secret":"⟦cl1entSecret⟧","client_id":"app"}
        L {"client_id":"app","grant_type":"client_credentials"}
        S {"apiKey": "⟦apiK3y99⟧"}
        L {"apiKeyId": "key-2024-01"}
        S {"accessToken": "⟦acc3ssTok⟧", "expires_in": 3600}
        L {"token_type": "Bearer", "expires_in": 3600}
        S {"refresh_token": "⟦r3freshTok⟧"}
        L {"max_tokens": 1024}
        S {"private_key_id": "k1", "private_key": "-----BEGIN PRIVATE KEY-----\n⟦MIIEvQIBADANBgkqhkiG9w0BAQEFAASC⟧\n-----END PRIVATE KEY-----\n"}
        L {"private_key_id": "k1", "type": "service_account"}
        S config = {'password': '⟦pyDictPw⟧', 'host': 'db'}
        L config = {'password_required': True, 'host': 'db'}
        S DATABASES = {"default": {"PASSWORD": "⟦dj4ngoPw⟧"}}
        L DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql"}}
        S conn = connect(host="db", password="⟦pyConnPw⟧")
        L conn = connect(host="db", password=os.environ["DB_PASSWORD"])
        S const config = { password: '⟦jsConfPw⟧' }
        L const config = { password: process.env.DB_PASSWORD }
        S module.exports = { apiKey: "⟦jsApiKey1⟧" }
        L module.exports = { apiKeyHeader: "X-API-Key" }
        S password: ⟦yamlPw123⟧
        L password: false
        S   db_password: "⟦yamlDbPw⟧"
        L   password_min_length: 12
        S   secret: ⟦yamlS3cret⟧
        L   secretName: db-credentials
        S   token: ⟦yamlTok3n⟧
        L   tokenizer: bert-base-uncased
        S password = "⟦tomlPw123⟧"
        L password_file = "/run/secrets/db"
        S api_key = "⟦tomlApiKey⟧"
        L api_key_header = "X-API-Key"
        S [database]\npassword=⟦iniPw1234⟧
        L [database]\npassword_hash_rounds=12
        S passwd=⟦iniPasswd1⟧
        L passwd_file=/etc/passwd
        S DB_PASS=⟦envPass12⟧
        L COMPASS_DIR=/opt/compass
        S secret=⟦envS3cret⟧
        L secretary=bob
        S client_secret=⟦cl1entS3c⟧
        L client_id=abcdef123
        S spring.datasource.password=⟦springPw1⟧
        L spring.datasource.url=jdbc:postgresql://db/shop
        S app.jwt.signing-key=⟦signK3y99⟧
        L app.jwt.signing-algorithm=HS256
        S ENCRYPTION_KEY=⟦encK3y1234⟧
        L ENCRYPTION_ALGORITHM=aes-256-gcm
        S passphrase=⟦passphr4se⟧
        L passphrase_required=true
        S --db-password ⟦flagPw123⟧ --db-host db
        L --db-password-file /run/db --db-host db
        S --password ⟦flagPw456⟧
        L --password-file /run/secret
        S --client-secret ⟦flagSecret⟧
        L --client-secret-name app-secret
        S --api-key=⟦flagApiKey⟧
        L --api-key-header X-API-Key
        S --auth-token ⟦flagAuthTok⟧
        L --no-password db1
        S terraform apply -var "db_password=⟦tfVarPw1⟧"
        L terraform apply -var "db_instance=db.t3.micro"
        S ansible-playbook site.yml -e "ansible_become_pass=⟦becomePw1⟧"
        L ansible-playbook site.yml -e "ansible_become=true"
        S smbclient //fs01/finance -U backup%⟦Smb-Pw-2024⟧ -c 'ls'
        L smbclient //fs01/finance -U backup -c 'get 100%.txt'
        S rpcclient -U 'CORP\\svc-audit%⟦rpcPw777⟧' dc01
        L rpcclient -U svc-audit dc01 -c 'enumdomusers'
        S htpasswd -b /etc/nginx/.htpasswd admin ⟦htPw12345⟧
        L htpasswd -D /etc/nginx/.htpasswd admin
        S htpasswd -cbB /etc/nginx/.htpasswd ops ⟦htPwBcrypt⟧
        L htpasswd -c /etc/nginx/.htpasswd ops
        S htpasswd -nb deploy ⟦htPwNoFile⟧
        L htpasswd -n deploy
        S gh secret set DEPLOY_KEY --body ⟦ghSecretVal9⟧
        L gh secret set DEPLOY_KEY --body-file ./key.pem
        S gh secret set NPM_AUTH -b"⟦ghSecretVal8⟧" --repo acme/web
        L gh secret list --repo acme/web
        S <server><id>nexus</id><password>⟦mvnXmlPw1⟧</password></server>
        L <password>${env.NEXUS_PASSWORD}</password>
        S <add key="ApiKey" /><api_key>⟦xmlApiK3y⟧</api_key>
        L <passwordPolicy>strict</passwordPolicy>
        S Cookie: session=abc; csrftoken=⟦csrfTok12⟧
        L Cookie: theme=dark; lang=en
        S Authorization: token ⟦ghTokenHdr⟧
        L Authorization: required
        S authorization=⟦authEquals1⟧
        L authorization_url=https://auth.internal/authorize
        S -----BEGIN PGP PRIVATE KEY BLOCK-----\nVersion: GnuPG v2\n\n⟦lQOYBF2abcdefghijklmnopqrstuvwxyz0123456789⟧\n⟦=AbCd⟧\n-----END PGP PRIVATE KEY BLOCK-----
        L -----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBF2abcdefghijklmnopqrstuvwxyz0123456789\n-----END PGP PUBLIC KEY BLOCK-----
        S -----BEGIN OPENSSH PRIVATE KEY-----\n⟦b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz⟧\n-----END OPENSSH PRIVATE KEY-----
        L -----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ\n-----END CERTIFICATE-----
        S -----BEGIN ENCRYPTED PRIVATE KEY-----\n⟦MIIFHDBOBgkqhkiG9w0BBQ0wQTApBgkqhkiG9w0BBQwwHAQI⟧\n-----END ENCRYPTED PRIVATE KEY-----
        L ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519 -N ""
        S -----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,ABCDEF0123456789\n\n⟦MIIEowIBAAKCAQEAzK7pQ3vR8mN2xL5tY9wB4cF6hJ1dS0gV3uE7iO2aPq8⟧\n-----END RSA PRIVATE KEY-----
        L openssl genrsa -out key.pem 4096
        S -----BEGIN EC PRIVATE KEY-----\n⟦MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oF1hTRbZ1sB9oAoGCCqGSM49⟧
        L echo -----BEGIN PRIVATE KEY----- >/dev/null; rm -rf /srv/data
        S git push https://x-access-token:⟦ghs16charsxx⟧@github.com/acme/infra
        L git push https://github.com/acme/infra HEAD:main
        S https://user:⟦p@ssw0rd⟧@host.example/path?q=a@b.com
        L https://host.example:8080/path@v2
        S ftp://anonymous:⟦ftpPw1234⟧@ftp.example.org/pub
        L ftp://ftp.example.org/pub/README
        S export HF_TOKEN=⟦hfTok3n123⟧
        L export HF_HOME=/data/hf
        S CI_JOB_TOKEN=⟦ciJobTok1⟧ ./deploy
        L CI_JOB_ID=12345 ./deploy
        S TF_VAR_db_password=⟦tfEnvPw12⟧ terraform plan
        L TF_VAR_db_name=shop terraform plan
        S "password" => "⟦rubyPw123⟧"
        L "password_reset" => "disabled"
        S $password = '⟦phpPw1234⟧';
        L $password_length = 12;
        S Password: "⟦goStructPw⟧",
        L PasswordPolicy: "strict",
        S <add key="ApiKey" value="x"/> api_key: ⟦xmlApiK3y⟧
        L <add key="ApiVersion" value="2"/>
        S DATABASE_URL=postgres://app:⟦dbUrlPw1⟧@db:5432/shop
        L DATABASE_URL=postgres://db:5432/shop
        S REDIS_URL=redis://default:⟦redisUrlPw⟧@cache:6379
        L REDIS_URL=redis://cache:6379
        S token: ⟦t0ken:with:colons⟧
        L token_endpoint: https://auth.internal/token
        S password=⟦changeme⟧
        L password=null
        S password: ⟦1234⟧
        L password: none
        S pwd: ⟦abcd1234⟧
        L pwd: /home/alice
        """#

    struct Entry {
        var line: Int
        var secret: Bool
        var text: String
        var values: [String]
        var expected: String
    }

    static var entries: [Entry] {
        corpus.split(separator: "\n").enumerated().map { index, raw in
            let kind = raw.trimmingCharacters(in: .whitespaces).first
            let body = String(raw.drop { $0 == " " }.dropFirst(2)).replacingOccurrences(of: #"\n"#, with: "\n")
            var text = "", expected = "", values: [String] = [], value: String?
            for character in body {
                switch character {
                case "⟦": value = ""; expected += SecretMasker.Rule.mask
                case "⟧": values.append(value ?? ""); value = nil
                default:
                    text.append(character)
                    if value != nil { value?.append(character) } else { expected.append(character) }
                }
            }
            return Entry(line: index + 1, secret: kind == "S", text: text, values: values, expected: expected)
        }
    }

    func testEverySecretIsMaskedAndEveryLookAlikeKept() throws {
        let masker = try SecretMasker()
        let entries = Self.entries
        let secrets = entries.filter(\.secret)
        XCTAssertGreaterThanOrEqual(secrets.count, 100, "the corpus has \(secrets.count) secret spellings")
        XCTAssertEqual(entries.count - secrets.count, secrets.count, "every secret has its look-alike")
        for entry in entries {
            let (masked, count) = masker.mask(entry.text)
            if entry.secret {
                XCTAssertFalse(entry.values.isEmpty, "line \(entry.line) marks no value")
                XCTAssertEqual(masked, entry.expected, "line \(entry.line)")
                XCTAssertGreaterThan(count, 0, "line \(entry.line)")
                for value in entry.values {
                    XCTAssertFalse(masked.contains(value), "line \(entry.line): \(value) leaked")
                }
            } else {
                XCTAssertEqual(masked, entry.text, "line \(entry.line): a look-alike was masked")
                XCTAssertEqual(count, 0, "line \(entry.line)")
            }
        }
    }
}
