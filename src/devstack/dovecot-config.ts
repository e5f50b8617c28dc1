/**
 * Renders the self-contained dovecot.conf of one test server (Dovecot 2.3 setting names, as in
 * /usr/share/dovecot/conf.d). Nothing is read from /etc/dovecot: every path is in the server's
 * own directory and every listener on loopback.
 */
export interface DovecotConfigInput {
  dir: string;
  host: string;
  imapPort: number;
  imapsPort: number;
  lmtpPort: number;
  certPath: string;
  keyPath: string;
  /** Folder holding one passwd-file per user, named after the (lower-case) user name. */
  usersDir: string;
  /** Parent of the users' home directories. */
  mailDir: string;
  /** Unprivileged users Dovecot runs its own processes as. */
  internalUser: string;
  /** Group of the internal processes' sockets; undefined keeps Dovecot's default (dovecot). */
  internalGroup: string | undefined;
  loginUser: string;
  /** Owner of the mail files: a name or a number, never root. */
  mailUid: string | number;
  mailGid: string | number;
  /** false when not started as root: no chroot, everything runs as the current user. */
  asRoot: boolean;
  idleNotifyIntervalS: number;
}

export function renderDovecotConfig(c: DovecotConfigInput): string {
  // Login processes and anvil chroot by default; only root can chroot.
  const noChroot = c.asRoot ? '' : '  chroot =\n';
  const internalGroup = c.internalGroup === undefined ? '' : `default_internal_group = ${c.internalGroup}\n`;
  return `# Written by test/helpers/dovecot.ts for one test run.
base_dir = ${c.dir}/run
state_dir = ${c.dir}/state
log_path = ${c.dir}/dovecot.log
instance_name = mail-ingest-test
protocols = imap lmtp
listen = ${c.host}
hostname = localhost
default_internal_user = ${c.internalUser}
default_login_user = ${c.loginUser}
${internalGroup}# The mail uid comes from the static userdb below; Dovecot refuses uid 0 for mail.
first_valid_uid = 1
first_valid_gid = 1

ssl = yes
ssl_cert = <${c.certPath}
ssl_key = <${c.keyPath}
# Plaintext LOGIN on the plain port too, for the daemon's "tls: none" mode; STARTTLS stays offered.
# (Dovecot counts a connection whose remote IP equals its local IP as secured anyway, so on
# 127.0.0.1 it would not refuse plaintext LOGIN even with the default "yes".)
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
# Tests provoke failed logins: answer them without the 2 s delay (failures are still flushed
# every 0.5 s), and see the anvil listener below for the per-IP penalty.
auth_failure_delay = 0

# One passwd-file per user: a new file is read on the first lookup of that user, whereas a
# changed single file is re-read at most once per second (db-passwd-file.c passwd_file_sync).
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${c.usersDir}/%u
}
# allow_all_users stays "no": the user must exist in the passdb, so LMTP rejects unknown users.
userdb {
  driver = static
  args = uid=${c.mailUid} gid=${c.mailGid} home=${c.mailDir}/%u
}
mail_location = maildir:~/Maildir

# LMTP: casper+sales@example.com is user casper@example.com; the mail goes to INBOX (not to a
# "sales" folder) with "Delivered-To: casper+sales@example.com" (the RCPT TO address).
recipient_delimiter = +
lmtp_save_to_detail_mailbox = no
lmtp_hdr_delivery_address = final

# IDLE is on by default; a short "* OK Still here" interval exercises clients' IDLE handling.
imap_idle_notify_interval = ${c.idleNotifyIntervalS} secs

service imap-login {
  inet_listener imap {
    address = ${c.host}
    port = ${c.imapPort}
  }
  inet_listener imaps {
    address = ${c.host}
    port = ${c.imapsPort}
    ssl = yes
  }
${noChroot}}
service lmtp {
  inet_listener lmtp {
    address = ${c.host}
    port = ${c.lmtpPort}
  }
}
service anvil {
${noChroot}  # Without this socket the auth process disables its per-IP penalty (auth-penalty.c),
  # which would otherwise hold every login from 127.0.0.1 for 4 s and more after a failed one.
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`;
}
