/* SPDX-License-Identifier: MIT */
/*
 * kb_table.c - the built-in diagnosis knowledge base (data only).
 *
 * Reply rules (context/code/status/text -> kind) first, then explanations
 * (kind [+ vendor] -> cause, fix). The most specific rule wins: text over
 * enhanced status over code. Vendor words are matched in the software name
 * the banner check reports ("Postfix", "Microsoft Exchange", "Exim", ...).
 * Kinds are stable identifiers: profiles override them by name
 * (docs/profiles.md, `diagnoses:`).
 */
#include "diagnosis/kb.h"

#define RULE(kind, ctx, code, status, text) { kind, ctx, code, status, text, NULL, NULL, NULL }
#define WHY(kind, vendor, cause, fix) { kind, NULL, NULL, NULL, NULL, vendor, cause, fix }

const sd_kb_entry sd_kb_builtin[] = {
	/* --- relaying --- */
	RULE("smtp.relay_denied", "rcpt", "5xx", "5.7.1", "relay"),
	RULE("smtp.relay_denied", "rcpt", "5xx", NULL, "relay access denied"),
	RULE("smtp.relay_denied", "rcpt", "5xx", NULL, "relaying denied"),
	RULE("smtp.relay_denied", "rcpt", "5xx", NULL, "relay not permitted"),
	RULE("smtp.relay_denied", "rcpt", "5xx", "5.7.54", NULL),  /* Exchange: unable to relay */
	RULE("smtp.relay_denied", "rcpt", "5xx", "5.7.64", NULL),  /* Exchange Online: relay access denied */
	RULE("smtp.relay_denied_temporary", "rcpt", "4xx", "4.7.1", "relay"),
	RULE("smtp.relay_denied_temporary", "rcpt", "4xx", NULL, "relay access denied"),
	RULE("smtp.policy_rejected", "rcpt", "5xx", "5.7.1", NULL),
	RULE("smtp.auth_required", "*", "530", NULL, NULL),
	/* Exchange Online (smtp.office365.com): "530 5.7.57 Client not authenticated to send mail" */
	RULE("smtp.submission_auth_required", "*", "5xx", "5.7.57", NULL),
	RULE("smtp.auth_required", "*", "5xx", "5.7.0", "authentication required"),
	RULE("smtp.auth_required", "*", "5xx", NULL, "authentication required"),
	/* chasquid: "550 5.7.9 Mail to submission port must be authenticated" */
	RULE("smtp.auth_required", "*", "5xx", NULL, "must be authenticated"),
	RULE("smtp.starttls_required", "*", "530", NULL, "starttls"),
	RULE("smtp.starttls_required", "*", "5xx", "5.7.0", "starttls"),
	RULE("smtp.starttls_required", "*", "5xx", NULL, "must issue a starttls"),
	RULE("smtp.encryption_required", "auth", "538", NULL, NULL),
	RULE("smtp.encryption_required", "*", "5xx", "5.7.11", NULL),
	RULE("smtp.greylisted", "*", "45x", NULL, "greylist"),
	RULE("smtp.greylisted", "*", "45x", NULL, "graylist"),
	RULE("smtp.greylisted", "*", "45x", NULL, "try again later"),
	RULE("smtp.rate_limited", "*", "4xx", NULL, "too many"),
	RULE("smtp.rate_limited", "*", "4xx", NULL, "rate limit"),
	/* Exchange: "421 4.3.2 The maximum number of concurrent connections has exceeded a limit" */
	RULE("smtp.rate_limited", "*", "4xx", NULL, "concurrent connections"),
	/* Exchange: "451 4.7.0 Temporary server error. Please try again later. PRX2" (not greylisting) */
	RULE("smtp.server_error_temporary", "*", "4xx", "4.7.0", "temporary server error"),
	RULE("smtp.rate_limited", "*", "421", "4.7.0", NULL),
	RULE("smtp.service_closing", "*", "421", NULL, NULL),
	RULE("smtp.temporary", "*", "4xx", NULL, NULL),
	RULE("smtp.mailbox_unknown", "rcpt", "55x", "5.1.1", NULL),
	RULE("smtp.mailbox_unknown", "rcpt", "55x", NULL, "user unknown"),
	RULE("smtp.mailbox_unknown", "rcpt", "55x", NULL, "unknown user"),
	RULE("smtp.mailbox_unknown", "rcpt", "55x", NULL, "no such user"),
	RULE("smtp.mailbox_unavailable", "rcpt", "55x", "5.2", NULL),
	RULE("smtp.sender_rejected", "mail", "5xx", NULL, NULL),
	RULE("smtp.sender_domain_unknown", "mail", "5xx", "5.1.8", NULL),
	RULE("smtp.sender_domain_unknown", "mail", "5xx", NULL, "domain not found"),
	RULE("smtp.sender_not_permitted", "*", "5xx", "5.7.60", NULL), /* Exchange: send-as */
	RULE("smtp.sender_not_permitted", "*", "5xx", NULL, "does not have permissions to send as"),
	RULE("smtp.sender_not_permitted", "*", "5xx", NULL, "not owned by user"),
	RULE("smtp.blocklisted", "*", "5xx", NULL, "blocked using"),
	RULE("smtp.blocklisted", "*", "5xx", NULL, "blacklist"),
	RULE("smtp.blocklisted", "*", "5xx", NULL, "blocklist"),
	RULE("smtp.blocklisted", "*", "5xx", NULL, "spamhaus"),
	RULE("smtp.message_too_big", "*", "552", NULL, NULL),
	RULE("smtp.message_too_big", "*", "5xx", "5.3.4", NULL),
	RULE("smtp.bad_sequence", "*", "503", NULL, NULL),
	RULE("smtp.syntax", "*", "50x", "5.5.2", NULL),
	RULE("smtp.syntax", "*", "501", NULL, NULL),
	/* --- authentication --- */
	RULE("smtp.auth_failed", "auth", "535", NULL, NULL),
	RULE("smtp.auth_failed", "auth", "5xx", "5.7.8", NULL),
	RULE("smtp.auth_mechanism_too_weak", "auth", "534", NULL, NULL),
	RULE("smtp.auth_mechanism_too_weak", "auth", "5xx", "5.7.9", NULL),
	RULE("smtp.auth_mechanism_unknown", "auth", "504", NULL, NULL),
	RULE("smtp.auth_mechanism_unknown", "auth", "5xx", "5.5.4", NULL),
	RULE("smtp.auth_temporary", "auth", "454", NULL, NULL),
	RULE("smtp.auth_temporary", "auth", "4xx", "4.7.0", NULL),
	RULE("smtp.auth_disabled", "auth", "503", NULL, NULL),
	RULE("smtp.auth_disabled", "auth", "5xx", NULL, "authentication not enabled"),
	RULE("smtp.auth_disabled", "auth", "502", NULL, NULL),
	RULE("smtp.auth_disabled", "auth", "500", NULL, NULL),

	/* --- what they mean --- */
	WHY("smtp.relay_denied", NULL,
	    "the server refuses to pass mail on to a domain it does not serve: this client's IP address is not "
	    "trusted for relaying, the client did not authenticate, or the relay policy excludes this "
	    "sender/recipient",
	    "to send mail out through this server, submit on port 587 with STARTTLS and AUTH as a user of the "
	    "server; or add the sending host's address to the server's trusted networks (only for hosts you "
	    "control)"),
	WHY("smtp.relay_denied", "postfix", NULL,
	    "Postfix: authenticate (smtpd_sasl_auth_enable = yes, permit_sasl_authenticated), or add the client "
	    "to mynetworks; check smtpd_relay_restrictions and mynetworks in main.cf ('postconf -n')"),
	WHY("smtp.relay_denied", "exchange", NULL,
	    "Exchange: authenticate, or give the client's address its own Receive Connector with the "
	    "'Externally Secured' / Ms-Exch-SMTP-Accept-Any-Recipient permission; check the Receive Connector's "
	    "permission groups (Get-ReceiveConnector | fl Name,PermissionGroups,RemoteIPRanges). Exchange "
	    "Online (5.7.54 / 5.7.64): the recipient's domain is not an accepted domain and the sender is not "
	    "recognised as your organisation: authenticate, or add an inbound connector for the sending server's "
	    "IP address or certificate (Exchange admin center > Mail flow > Connectors)"),
	WHY("smtp.relay_denied", "exim", NULL,
	    "Exim: authenticate, or add the client to relay_from_hosts; check the RCPT ACL (acl_smtp_rcpt)"),
	WHY("smtp.relay_denied", "sendmail", NULL,
	    "Sendmail: authenticate, or add the client to /etc/mail/access with RELAY (then makemap); check "
	    "relay-domains"),
	WHY("smtp.relay_denied_temporary", NULL,
	    "the server denies relaying but answers with a temporary code (4xx), so clients will retry: often "
	    "a test setting (a soft-bounce or 'defer' relay rule)",
	    "once the relay policy is settled, reject with 5xx; same remedies as a permanent relay denial "
	    "(authenticate, or trust the client's network)"),
	WHY("smtp.relay_denied_temporary", "postfix", NULL,
	    "Postfix: soft_bounce = no, and reject_unauth_destination rather than defer_unauth_destination in "
	    "smtpd_relay_restrictions"),
	WHY("smtp.policy_rejected", NULL,
	    "a policy rule refused the recipient (access map, sender/recipient restriction, content policy)",
	    "read the reply text for the rule; look the client up in the server's access rules"),
	WHY("smtp.auth_required", NULL,
	    "the server only accepts this from authenticated clients",
	    "authenticate (AUTH) before MAIL FROM, over TLS, with an account of this server; for mail "
	    "submission use port 587"),
	WHY("smtp.auth_required", "postfix", NULL,
	    "Postfix: the client must AUTH (smtpd_sasl_auth_enable = yes on this service); if this listener "
	    "should take mail from other servers, remove the reject in smtpd_client/recipient_restrictions"),
	WHY("smtp.auth_required", "exchange", NULL,
	    "Exchange: the Receive Connector lacks the 'Anonymous users' permission group; add it for an "
	    "inbound MX connector, or authenticate on a client connector"),
	WHY("smtp.submission_auth_required", NULL,
	    "this is a submission service: it takes mail only from clients that have logged in (AUTH) first, "
	    "and the client sent MAIL FROM without authenticating (RFC 6409)",
	    "configure the client to authenticate (SMTP AUTH after STARTTLS on port 587) with an account of this "
	    "server; a device that cannot authenticate should send to the domain's MX on port 25 instead"),
	WHY("smtp.submission_auth_required", "exchange", NULL,
	    "Exchange Online (smtp.office365.com) takes mail only after AUTH (OAuth, or Basic where the tenant "
	    "still allows it): log in as a mailbox with SMTP AUTH enabled (Set-CASMailbox -Identity <mailbox> "
	    "-SmtpClientAuthenticationDisabled $false; for the organisation Set-TransportConfig "
	    "-SmtpClientAuthenticationDisabled $false); a device that cannot authenticate sends to "
	    "<domain>.mail.protection.outlook.com on port 25 (direct send, or SMTP relay through an inbound "
	    "connector for its IP address: Exchange admin center > Mail flow > Connectors). Exchange Server: "
	    "the Client Frontend Receive Connector requires AUTH; anonymous mail belongs on 'Default Frontend' (port 25)"),
	WHY("smtp.server_error_temporary", NULL,
	    "the server failed internally while handling the command and asks for a retry (4.7.0 'temporary "
	    "server error'): a component behind its SMTP front end did not answer",
	    "retry later; if it persists, the server's administrator should look in its log for the failing "
	    "component"),
	WHY("smtp.server_error_temporary", "exchange",
	    "Exchange's Front End Transport service could not hand the session on to the Transport service of a "
	    "Mailbox server ('PRXn' at the end of the reply names the proxy step that failed): usually name "
	    "resolution on the Exchange server, a custom Receive Connector that takes the same bindings as "
	    "'Default Frontend', or a stopped MSExchangeTransport service",
	    "Exchange: check that the server resolves its own and its Mailbox servers' FQDNs (the adapter's DNS "
	    "servers, or Set-FrontendTransportService / Set-TransportService -InternalDNSServers), that no custom "
	    "Frontend Receive Connector shares Bindings and RemoteIPRanges with 'Default Frontend <server>' "
	    "(Get-ReceiveConnector | fl Name,Bindings,RemoteIPRanges,TransportRole), and that MSExchangeTransport "
	    "runs; then Restart-Service MSExchangeFrontEndTransport. Exchange Online: retry later"),
	WHY("smtp.starttls_required", NULL,
	    "the server requires TLS before this command (RFC 3207): the client sent it in clear text",
	    "issue STARTTLS after EHLO, then EHLO again and repeat the command; in a mail client choose "
	    "STARTTLS on port 587 (or SSL/TLS on 465)"),
	WHY("smtp.starttls_required", "postfix", NULL,
	    "Postfix enforces TLS here (smtpd_tls_security_level = encrypt, or smtpd_tls_auth_only = yes for "
	    "AUTH): the client must use STARTTLS; configure the client, not the server"),
	WHY("smtp.starttls_required", "exchange", NULL,
	    "Exchange requires TLS on this Receive Connector (RequireTLS or the Basic-after-TLS auth setting): "
	    "the client must use STARTTLS"),
	WHY("smtp.encryption_required", NULL,
	    "the chosen AUTH mechanism is only allowed over an encrypted connection (RFC 4954 538)",
	    "use STARTTLS (or port 465) before AUTH"),
	WHY("smtp.greylisted", NULL,
	    "greylisting: the server defers the first attempt from an unknown client/sender/recipient triple "
	    "and accepts a retry after a few minutes",
	    "nothing to fix for real senders (they retry); for tests, retry after the greylist delay or "
	    "whitelist the test client"),
	WHY("smtp.rate_limited", NULL,
	    "the server limits how many connections or messages this client may send",
	    "slow down (fewer parallel connections), or raise the limit for this client if you run the server"),
	WHY("smtp.rate_limited", "postfix", NULL,
	    "Postfix: smtpd_client_connection_count_limit / smtpd_client_connection_rate_limit / "
	    "smtpd_client_message_rate_limit (anvil); exempt trusted hosts with smtpd_client_event_limit_exceptions"),
	WHY("smtp.rate_limited", "exchange", NULL,
	    "Exchange: the Receive Connector limits connections per source address (Set-ReceiveConnector "
	    "-MaxInboundConnectionPerSource, default 20, and -MaxInboundConnectionPercentagePerSource) and "
	    "messages (-MessageRateLimit); raise them for trusted senders on a Receive Connector of their own "
	    "(-RemoteIPRanges)"),
	WHY("smtp.service_closing", NULL,
	    "the server is closing the connection (overload, shutdown, or a limit for this client)",
	    "retry later; if it persists, look at the server's load and connection limits"),
	WHY("smtp.temporary", NULL,
	    "a temporary failure: the server may accept a later retry (resources, lookups, policy services)",
	    "retry later; if it persists, look at the server's log for the reason"),
	WHY("smtp.mailbox_unknown", NULL,
	    "the recipient address does not exist on this server",
	    "check the address for typos; on the server, check the mailbox/alias exists"),
	WHY("smtp.mailbox_unknown", "postfix", NULL,
	    "Postfix: check local_recipient_maps / virtual_mailbox_maps / virtual_alias_maps for the address"),
	WHY("smtp.mailbox_unavailable", NULL,
	    "the mailbox exists but cannot take mail (full, disabled, or over quota)",
	    "ask the recipient's administrator to free space or enable the mailbox"),
	WHY("smtp.sender_rejected", NULL,
	    "the server refused the envelope sender (MAIL FROM)",
	    "use a sender address in a domain that resolves and that this client may use"),
	WHY("smtp.sender_domain_unknown", NULL,
	    "the sender's domain does not resolve (no MX or A record), so bounces could not be delivered",
	    "use a sender address in a real domain; publish MX/A records for the sending domain"),
	WHY("smtp.sender_domain_unknown", "postfix", NULL,
	    "Postfix rejects it with reject_unknown_sender_domain; use a resolvable sender domain"),
	WHY("smtp.sender_not_permitted", NULL,
	    "the authenticated user may not send with this sender address",
	    "send as an address the account owns, or grant the account send-as rights"),
	WHY("smtp.sender_not_permitted", "exchange", NULL,
	    "Exchange: grant 'Send As' (Add-ADPermission / Add-RecipientPermission) or use the mailbox's own "
	    "address"),
	WHY("smtp.sender_not_permitted", "postfix", NULL,
	    "Postfix: the sender is checked against smtpd_sender_login_maps (reject_sender_login_mismatch); add "
	    "the address for this login"),
	WHY("smtp.blocklisted", NULL,
	    "the server refused this client because its IP address is on a DNS blocklist or in a local block "
	    "list",
	    "look the sending IP up on the named list and follow its delisting procedure; fix the cause "
	    "(compromised host, open relay) first"),
	WHY("smtp.message_too_big", NULL,
	    "the message is larger than the server accepts",
	    "send a smaller message, or raise the server's size limit"),
	WHY("smtp.message_too_big", "postfix", NULL, "Postfix: message_size_limit in main.cf"),
	WHY("smtp.message_too_big", "exchange", NULL,
	    "Exchange: Set-ReceiveConnector -MaxMessageSize and Set-TransportConfig -MaxReceiveSize"),
	WHY("smtp.bad_sequence", NULL,
	    "a command arrived out of order (e.g. RCPT before MAIL, AUTH twice)",
	    "a client bug: follow the SMTP command order of RFC 5321"),
	WHY("smtp.syntax", NULL,
	    "the server did not accept the command's syntax (an address without <>, a bad parameter)",
	    "a client bug or a strict server: use RFC 5321 syntax"),
	WHY("smtp.auth_failed", NULL,
	    "authentication failed: wrong user name or password, the account is locked or not allowed to use "
	    "SMTP AUTH, or the wrong mechanism or realm (some servers want user@domain)",
	    "check the credentials (log in elsewhere with them); try the full address as user name; check that "
	    "SMTP AUTH is enabled for the account"),
	WHY("smtp.auth_failed", "postfix", NULL,
	    "Postfix: see the 'SASL ... authentication failed' line in the mail log for the reason; check the "
	    "SASL backend (Dovecot auth or Cyrus saslauthd/sasldb) and smtpd_sasl_local_domain"),
	WHY("smtp.auth_failed", "exchange", NULL,
	    "Exchange/Microsoft 365: SMTP AUTH must be enabled for the mailbox (Set-CASMailbox "
	    "-SmtpClientAuthenticationDisabled $false) and not disabled for the organisation (Get-TransportConfig "
	    "| fl SmtpClientAuthenticationDisabled; Set-TransportConfig -SmtpClientAuthenticationDisabled $false); "
	    "accounts with MFA or security defaults need OAuth (XOAUTH2) or an app password. Exchange Server: the "
	    "Receive Connector's -AuthMechanism must include BasicAuth (Set-ReceiveConnector)"),
	WHY("smtp.auth_mechanism_too_weak", NULL,
	    "the server wants a stronger mechanism than the one tried (RFC 4954 534)",
	    "use a stronger mechanism the server advertises, or AUTH over TLS"),
	WHY("smtp.auth_mechanism_unknown", NULL,
	    "the server does not support the mechanism asked for",
	    "use a mechanism from the EHLO AUTH line"),
	WHY("smtp.auth_temporary", NULL,
	    "a temporary authentication failure: the server's authentication backend did not answer",
	    "retry; on the server, check the authentication service (Dovecot auth, saslauthd, LDAP/AD)"),
	WHY("smtp.auth_disabled", NULL,
	    "AUTH is not enabled on this port or service",
	    "authenticate on the submission port (587) or enable AUTH for this service"),
	WHY("smtp.auth_disabled", "postfix", NULL,
	    "Postfix: smtpd_sasl_auth_enable = yes (usually only on the submission service in master.cf)"),

	/* --- the relay check's findings --- */
	WHY("relay.open", NULL,
	    "the server passes mail from anyone to any domain: spammers find such servers within hours, and "
	    "its address ends up on blocklists, so even legitimate mail from it bounces",
	    "allow relaying only to authenticated users (SMTP AUTH on 587) and your own networks; then check "
	    "the server's IP on the blocklists"),
	WHY("relay.open", "postfix", NULL,
	    "Postfix: smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, "
	    "reject_unauth_destination; mynetworks must list only your own networks (never 0.0.0.0/0); "
	    "'postconf -n | grep -E \"mynetworks|relay\"'"),
	WHY("relay.open", "exchange", NULL,
	    "Exchange: remove 'Ms-Exch-SMTP-Accept-Any-Recipient' for Anonymous Logon from the Receive "
	    "Connector (Get-ADPermission), and narrow RemoteIPRanges of any relay connector"),
	WHY("relay.open", "exim", NULL,
	    "Exim: hostlist relay_from_hosts must list only your networks, and the acl_smtp_rcpt ACL "
	    "(Debian: /etc/exim4/conf.d/acl/30_exim4-config_check_rcpt) must deny non-local domains "
	    "('require domains = +local_domains : +relay_to_domains'); then 'systemctl reload exim4'"),
	WHY("relay.open", "sendmail", NULL,
	    "Sendmail: remove RELAY entries for foreign networks from /etc/mail/access and "
	    "FEATURE(`promiscuous_relay') / FEATURE(`relay_local_from') from sendmail.mc; rebuild with "
	    "'make -C /etc/mail' (access.db and sendmail.cf), then 'systemctl reload sendmail'"),
	WHY("relay.inconclusive", NULL,
	    "the server accepts any recipient at its own domain (a catch-all, or no recipient verification), "
	    "so an address form that ends at its own name proves nothing by being accepted",
	    "verify recipients at RCPT time so undeliverable mail is refused rather than bounced "
	    "(backscatter); to settle the question, send a real test with the transaction check to an external "
	    "mailbox you control"),
	WHY("relay.inconclusive", "postfix", NULL,
	    "Postfix: set local_recipient_maps (or virtual_mailbox_maps) so unknown users are rejected at RCPT; "
	    "allow_percent_hack and swap_bangpath decide how odd local parts are read"),

	/* --- the user-enum check --- */
	WHY("user_enum.vrfy", "postfix", NULL, "Postfix: disable_vrfy_command = yes in main.cf, then 'postfix reload'"),
	WHY("user_enum.vrfy", "sendmail", NULL, "Sendmail: define(`confPRIVACY_FLAGS', `goaway') (or novrfy) in the .mc file"),
	WHY("user_enum.vrfy", "exim", NULL, "Exim: remove acl_smtp_vrfy (Exim refuses VRFY without it)"),
	WHY("user_enum.vrfy", "exchange", NULL,
	    "Exchange answers VRFY with 252 by default: check for a third-party gateway in front of it"),
	WHY("user_enum.expn", "sendmail", NULL, "Sendmail: PrivacyOptions noexpn (or goaway)"),
	WHY("user_enum.expn", "exim", NULL, "Exim: remove acl_smtp_expn and smtp_expn_hosts"),
	WHY("user_enum.rcpt", "postfix", NULL,
	    "Postfix: keep reject_unlisted_recipient; slow harvesters with smtpd_client_recipient_rate_limit, "
	    "smtpd_hard_error_limit and postscreen"),

	/* --- connection failures (finding ids of the connect check) --- */
	WHY("connect.timeout", NULL,
	    "no answer to the TCP handshake: a firewall drops the packets (many ISPs block outbound port 25), "
	    "the host is down, or the address or port is wrong",
	    "test from another network; open port {port} in the host and network firewalls; check that the "
	    "address is the server's. Mail clients should submit on port 587 (STARTTLS + AUTH), which ISPs do "
	    "not block"),
	WHY("connect.refused", NULL,
	    "the host answered but nothing listens on port {port}: the mail service is stopped, listens on "
	    "another port or address, or a firewall rejects with RST",
	    "start the mail service and make it listen on this address and port; check the service's bindings "
	    "and the host firewall"),
	WHY("connect.refused", "postfix", NULL,
	    "Postfix: 'postfix status'; inet_interfaces in main.cf and the smtp/submission lines in master.cf"),
	WHY("connect.unreachable", NULL,
	    "no route to the host from here (network or host unreachable)",
	    "check routing and addressing, and whether this machine has connectivity for the address family "
	    "used (IPv4/IPv6)"),
	WHY("connect.no_address", NULL,
	    "the server name does not resolve to an address",
	    "check the name's A/AAAA records, or give the address with --address"),
	WHY("connect.resolver_failed", NULL,
	    "the DNS server asked did not answer (connection refused, timeout, REFUSED or an unparsable "
	    "answer): the lookup failed on this side, nothing is known about the name or the mail server",
	    "check the resolver given with --dns-server (address, port, that it runs and answers this "
	    "machine), or the nameserver lines of /etc/resolv.conf; or give the address with --address"),

	/* --- certificates: vendor words for installing one --- */
	WHY("certificate.expired", "postfix", NULL,
	    "renew the certificate, put key and full chain in smtpd_tls_chain_files (main.cf, or the "
	    "listener's -o smtpd_tls_chain_files in master.cf when it has one), then 'postfix reload'"),
	WHY("certificate.expired", "exchange", NULL,
	    "renew the certificate, import it (Import-ExchangeCertificate) and bind it with "
	    "Enable-ExchangeCertificate -Services SMTP, then restart MSExchangeTransport"),
	WHY("certificate.expiring", "postfix", NULL,
	    "renew now and check the renewal job's deploy hook runs 'postfix reload'"),
	WHY("certificate.hostname_mismatch", "postfix", NULL,
	    "Postfix: install a certificate whose subjectAltName holds the MX name {server} and every other "
	    "MX name that points to this server (smtpd_tls_chain_files in main.cf, or the listener's -o "
	    "override in master.cf), then 'postfix reload'; myhostname names the greeting only, and can "
	    "name one of them"),
	WHY("certificate.hostname_mismatch", "exchange", NULL,
	    "Exchange: a certificate with {server} in its subjectAltName, enabled for SMTP "
	    "(Enable-ExchangeCertificate -Services SMTP), and Set-ReceiveConnector -Fqdn {server}"),
	WHY("certificate.missing_intermediate", "postfix", NULL,
	    "Postfix: smtpd_tls_chain_files must list the key, the server certificate and then the "
	    "intermediate(s) (e.g. Let's Encrypt fullchain.pem), then 'postfix reload'"),
	WHY("certificate.missing_intermediate", "exchange", NULL,
	    "Exchange: import the intermediate CA into the computer's Intermediate Certification Authorities "
	    "store, then restart MSExchangeTransport"),
	WHY("certificate.self_signed", "postfix", NULL,
	    "Postfix: replace the snakeoil certificate (smtpd_tls_chain_files) with one from a public CA, e.g. "
	    "via certbot, then 'postfix reload'"),
	WHY("certificate.self_signed", "exchange", NULL,
	    "Exchange: the default self-signed certificate is for internal use; import a public CA "
	    "certificate and Enable-ExchangeCertificate -Services SMTP"),

	/* --- DNS: reverse DNS, DANE, MTA-STS in the vendor's words --- */
	WHY("ptr.name_mismatch", "postfix", NULL,
	    "Postfix: myhostname is the greeting and the HELO name of outgoing mail; set it to the PTR name "
	    "('postconf -e myhostname=<PTR name>', 'postfix reload'), or have the PTR changed"),
	WHY("ptr.name_mismatch", "exchange", NULL,
	    "Exchange: Set-SendConnector -Fqdn and Set-ReceiveConnector -Fqdn to the PTR name, or have the PTR "
	    "changed"),
	WHY("ptr.name_mismatch", "exim", NULL, "Exim: primary_hostname (and smtp_active_hostname) = the PTR name"),
	WHY("dane.mismatch", "postfix", NULL,
	    "publish the TLSA record of the key now in smtpd_tls_chain_files (3 1 1: openssl x509 -in cert.pem "
	    "-noout -pubkey | openssl pkey -pubin -outform DER | sha256sum); for the next renewal publish the new "
	    "key's record first, wait two TTLs, then switch (certbot --reuse-key keeps key and TLSA valid)"),
	WHY("dane.mismatch", "exchange", NULL,
	    "publish the TLSA record of the new certificate's key before Enable-ExchangeCertificate -Services "
	    "SMTP; keep the old record until the TTL has passed"),
	WHY("dane.no_tls", "postfix", NULL,
	    "Postfix: smtpd_tls_security_level = may and smtpd_tls_chain_files with the certificate the TLSA "
	    "records describe"),
	WHY("ntlm_info.disclosure", "exchange", NULL,
	    "Exchange: remove Integrated from the internet-facing Receive Connector's authentication "
	    "(Set-ReceiveConnector '<server>\\Default Frontend <server>' -AuthMechanism 'Tls, BasicAuth, "
	    "BasicAuthRequireTLS'; keep NTLM only on internal connectors), then restart MSExchangeFrontEndTransport"),
	WHY("mta_sts.mx_tls_failed", "postfix", NULL,
	    "Postfix on each MX: smtpd_tls_security_level = may, smtpd_tls_chain_files = key + certificate "
	    "naming the MX host + intermediates (e.g. Let's Encrypt fullchain.pem)"),
	WHY("mta_sts.mx_tls_failed", "exchange", NULL,
	    "Exchange on each MX: a public CA certificate naming the MX host, Enable-ExchangeCertificate "
	    "-Services SMTP, and the Receive Connector's Fqdn set to that name"),

	/* --- known weaknesses (issue 25, docs/vulnerabilities.md) --- */
	WHY("tls_weak.starttls_injection", "postfix", NULL,
	    "Postfix: upgrade to a supported release (CVE-2011-0411 was fixed in March 2011); they "
	    "discard input sent before the TLS handshake"),
	WHY("tls_weak.starttls_injection", "exim", NULL,
	    "Exim: upgrade to a supported release (they discard input buffered before STARTTLS)"),
	WHY("tls_weak.client_renegotiation", "postfix", NULL,
	    "Postfix: tls_ssl_options = NO_RENEGOTIATION (OpenSSL 3 also refuses it unless an application "
	    "allows it)"),
	WHY("tls_weak.client_renegotiation", "exim", NULL,
	    "Exim: openssl_options = +no_renegotiation"),
	WHY("tls_weak.client_renegotiation", "exchange", NULL,
	    "Exchange/Windows: SCHANNEL refuses client-initiated renegotiation once the November 2009 "
	    "(KB977377) and later updates are installed: install them"),
	WHY("tls_weak.insecure_renegotiation", "postfix", NULL,
	    "Postfix: rebuild against a maintained OpenSSL (every OpenSSL since 0.9.8m supports RFC 5746); "
	    "tls_ssl_options must not contain LEGACY_SERVER_CONNECT"),
	WHY("tls_weak.insecure_renegotiation", "exim", NULL,
	    "Exim: link a maintained OpenSSL or GnuTLS; openssl_options must not contain "
	    "+allow_unsafe_legacy_renegotiation"),
	WHY("tls_weak.compression", "postfix", NULL,
	    "Postfix: tls_ssl_options = NO_COMPRESSION (and a TLS library built without zlib)"),
	WHY("tls_weak.compression", "exim", NULL, "Exim: openssl_options = +no_compression"),
	WHY("tls_weak.no_extended_master_secret", "postfix", NULL,
	    "Postfix: link OpenSSL 1.1.0 or later (RFC 7627 is on by default); tls_ssl_options must not "
	    "contain NO_EXTENDED_MASTER_SECRET"),
	WHY("tls_weak.no_fallback_scsv", "postfix", NULL,
	    "Postfix: link OpenSSL 1.0.1j or later (it honours TLS_FALLBACK_SCSV without configuration)"),
	WHY("tls_weak.dh_common_prime", "postfix", NULL,
	    "Postfix: remove smtpd_tls_dh1024_param_file (Postfix 3.7+ with OpenSSL 3 then uses the RFC 7919 "
	    "ffdhe groups) or generate one: 'openssl dhparam -out dh2048.pem 2048' and point "
	    "smtpd_tls_dh1024_param_file at it"),
	WHY("tls_weak.dh_common_prime", "exim", NULL, "Exim: tls_dhparam = ffdhe2048 (or ffdhe3072)"),
	WHY("tls_weak.dh_export_prime", "postfix", NULL,
	    "Postfix: remove smtpd_tls_dh512_param_file and any EXPORT suites (smtpd_tls_exclude_ciphers = "
	    "EXPORT, aNULL)"),
	WHY("tls_weak.no_resumption", "postfix", NULL,
	    "Postfix: smtpd_tls_session_cache_database = btree:${data_directory}/smtpd_scache and "
	    "smtpd_tls_session_cache_timeout = 3600s (tickets: tls_session_ticket_cipher = aes-256-cbc)"),
	WHY("tls_weak.no_ocsp_stapling", "exim", NULL,
	    "Exim: tls_ocsp_file = a DER OCSP response refreshed by cron (e.g. from 'openssl ocsp')"),
	WHY("tls_weak.no_ocsp_stapling", "postfix", NULL,
	    "Postfix's SMTP server cannot staple OCSP responses: nothing to configure; MTA-STS or DANE "
	    "give senders what stapling would"),
	WHY("smuggling.end_of_data", "postfix", NULL,
	    "Postfix: smtpd_forbid_bare_newline = normalize (3.9; yes in 3.5.23, 3.6.13, 3.7.9, 3.8.4 and "
	    "later patch levels), and smtpd_forbid_bare_newline_exclusions = $mynetworks for old local clients"),
	WHY("smuggling.end_of_data", "exim", NULL,
	    "Exim: upgrade to 4.97.1 or later (it no longer takes a bare LF as end of data when CHUNKING or "
	    "PIPELINING was used)"),
	WHY("smuggling.end_of_data", "exchange", NULL,
	    "Exchange: install the current cumulative update; Exchange accepts only <CR><LF>.<CR><LF>"),
	WHY("smuggling.end_of_data", "sendmail", NULL,
	    "Sendmail: upgrade to 8.18.1 or later (it rejects bare <CR> and <LF> by default)"),

	/* --- Exim, Sendmail, OpenSMTPD, chasquid (issue 23; checked against the vendor lab,
	 *     tests/integration/vendors.py). Each names the directive, its file, and the reload. --- */
	WHY("relay.open", "opensmtpd", NULL,
	    "OpenSMTPD: in /etc/smtpd.conf only 'match from local for any action <relay>' and 'match auth from "
	    "any for any action <relay>' may relay; remove 'match from any for any' (or from a foreign "
	    "'from src <table>'), then 'smtpctl stop' and start smtpd (it rereads smtpd.conf only on start)"),
	WHY("relay.open", "chasquid", NULL,
	    "chasquid relays only for authenticated users and cannot be made an open relay: look for another "
	    "server (a proxy or gateway) in front of it"),
	WHY("starttls.handshake_failed", "opensmtpd", NULL,
	    "OpenSMTPD: 6.8.0p2 built against OpenSSL 3 (Debian 12, Ubuntu 22.04) fails every TLS handshake "
	    "('EVP lib' in its privsep signing engine; OpenSMTPD issue #1239): upgrade to OpenSMTPD 7.x; until "
	    "then check 'pki' cert/key in /etc/smtpd.conf are readable and matching, and restart smtpd"),
	WHY("starttls.missing", "exim", NULL,
	    "Exim: set tls_certificate and tls_privatekey (the full chain, e.g. fullchain.pem) and "
	    "tls_advertise_hosts = * in the main section of the configuration (Debian: MAIN_TLS_ENABLE = yes in "
	    "/etc/exim4/conf.d/main/00_local_macros, then 'update-exim4.conf'), then 'systemctl reload exim4'"),
	WHY("starttls.missing", "sendmail", NULL,
	    "Sendmail: define(`confSERVER_CERT', ...), define(`confSERVER_KEY', ...) and confCACERT / "
	    "confCACERT_PATH in sendmail.mc (Debian: include(`/etc/mail/tls/starttls.m4')), rebuild sendmail.cf "
	    "('make -C /etc/mail'), then 'systemctl reload sendmail'"),
	WHY("starttls.missing", "opensmtpd", NULL,
	    "OpenSMTPD: 'pki mail.example.org cert \"/etc/ssl/fullchain.pem\"', 'pki ... key ...' and "
	    "'listen on eth0 tls pki mail.example.org' in /etc/smtpd.conf, then restart smtpd"),
	WHY("starttls.missing", "chasquid", NULL,
	    "chasquid: put fullchain.pem and privkey.pem in /etc/chasquid/certs/<hostname>/ (chasquid always "
	    "offers STARTTLS when a certificate is there), then 'systemctl restart chasquid'"),
	WHY("starttls.required", "exim", NULL,
	    "Exim: on port 25 do not deny MAIL or RCPT for '!encrypted = *' in acl_smtp_mail / acl_smtp_rcpt "
	    "(keep that for the submission port, e.g. condition on $received_port); 'systemctl reload exim4'"),
	WHY("starttls.required", "sendmail", NULL,
	    "Sendmail: on port 25 do not require TLS (remove the TLS_Clt / check_mail rules that demand "
	    "${tls_version}; keep them on the MSA), rebuild sendmail.cf, 'systemctl reload sendmail'"),
	WHY("starttls.required", "opensmtpd", NULL,
	    "OpenSMTPD: on the port 25 listener use 'listen on ... tls' rather than 'tls-require' in "
	    "/etc/smtpd.conf (keep tls-require or smtps for submission), then restart smtpd"),
	WHY("ehlo.auth_cleartext", NULL, NULL,
	    "offer AUTH only after STARTTLS on this port (the server's 'TLS before authentication' setting), and "
	    "have clients submit on 587 with STARTTLS or on 465"),
	WHY("ehlo.auth_cleartext", "postfix", NULL,
	    "Postfix: smtpd_tls_auth_only = yes in main.cf (or -o smtpd_tls_auth_only=yes on the service in "
	    "master.cf), then 'postfix reload'"),
	WHY("ehlo.auth_cleartext", "exchange", NULL,
	    "Exchange: on the Receive Connector, require TLS before authentication (Set-ReceiveConnector "
	    "-AuthMechanism Tls,BasicAuth,BasicAuthRequireTLS), then restart MSExchangeFrontEndTransport"),
	WHY("ehlo.auth_cleartext", "exim", NULL,
	    "Exim: auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}} in the main section (or "
	    "server_advertise_condition = ${if def:tls_in_cipher} on each plaintext authenticator; Debian's "
	    "stock authenticators do this), then 'systemctl reload exim4'"),
	WHY("ehlo.auth_cleartext", "sendmail", NULL,
	    "Sendmail: define(`confAUTH_OPTIONS', `A,p') in sendmail.mc (p: no plaintext mechanisms without "
	    "TLS), rebuild sendmail.cf ('make -C /etc/mail'), then 'systemctl reload sendmail'"),
	WHY("ehlo.auth_cleartext", "opensmtpd", NULL,
	    "OpenSMTPD: 'listen on ... tls auth' (AUTH only after STARTTLS) or 'smtps auth' in /etc/smtpd.conf, "
	    "never 'auth' on a listener without tls, then restart smtpd"),
	WHY("certificate.expired", "exim", NULL,
	    "Exim: renew the certificate, point tls_certificate (full chain) and tls_privatekey at it (Debian: "
	    "/etc/exim4/exim.crt, exim.key), then 'systemctl reload exim4' (new connections read it)"),
	WHY("certificate.expired", "sendmail", NULL,
	    "Sendmail: renew the certificate named by confSERVER_CERT / confSERVER_KEY in sendmail.mc "
	    "(Debian: /etc/mail/tls/sendmail-common.crt), then 'systemctl reload sendmail'"),
	WHY("certificate.expired", "opensmtpd", NULL,
	    "OpenSMTPD: renew the files named by 'pki <name> cert' and 'pki <name> key' in /etc/smtpd.conf, then "
	    "restart smtpd (it loads certificates at start only)"),
	WHY("certificate.expired", "chasquid", NULL,
	    "chasquid: renew /etc/chasquid/certs/<hostname>/fullchain.pem and privkey.pem (certbot deploy hook), "
	    "then 'systemctl reload chasquid'"),
	WHY("certificate.hostname_mismatch", "exim", NULL,
	    "Exim: tls_certificate must name {server} in its subjectAltName; set primary_hostname to it; "
	    "'systemctl reload exim4'"),
	WHY("certificate.hostname_mismatch", "sendmail", NULL,
	    "Sendmail: confSERVER_CERT must name {server} in its subjectAltName; define(`confDOMAIN_NAME', "
	    "`{server}') in sendmail.mc, rebuild sendmail.cf, 'systemctl reload sendmail'"),
	WHY("certificate.hostname_mismatch", "opensmtpd", NULL,
	    "OpenSMTPD: a 'pki {server} cert ...' whose certificate names {server}, used by 'listen on ... tls "
	    "pki {server}' in /etc/smtpd.conf; restart smtpd"),
	WHY("certificate.missing_intermediate", "exim", NULL,
	    "Exim: tls_certificate must be the full chain (leaf then intermediates, e.g. fullchain.pem); "
	    "'systemctl reload exim4'"),
	WHY("certificate.missing_intermediate", "sendmail", NULL,
	    "Sendmail: confSERVER_CERT must hold the leaf followed by the intermediates (fullchain.pem); "
	    "rebuild sendmail.cf, 'systemctl reload sendmail'"),
	WHY("certificate.missing_intermediate", "opensmtpd", NULL,
	    "OpenSMTPD: 'pki <name> cert' must be the full chain (fullchain.pem) in /etc/smtpd.conf; restart smtpd"),
	WHY("certificate.self_signed", "exim", NULL,
	    "Exim: replace the certificate Debian generated (/etc/exim4/exim.crt, exim-gencert) with one from a "
	    "public CA in tls_certificate / tls_privatekey; 'systemctl reload exim4'"),
	WHY("certificate.self_signed", "sendmail", NULL,
	    "Sendmail: replace the self-signed /etc/mail/tls/sendmail-common.crt (confSERVER_CERT) with a public "
	    "CA's; 'systemctl reload sendmail'"),
	WHY("starttls.old_version", "exim", NULL,
	    "Exim (Debian builds with GnuTLS): tls_require_ciphers = NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2 "
	    "(with OpenSSL builds: openssl_options = +no_tlsv1 +no_tlsv1_1), then 'systemctl reload exim4'"),
	WHY("starttls.old_version", "sendmail", NULL,
	    "Sendmail: LOCAL_CONFIG O ServerSSLOptions=+SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1 in sendmail.mc, rebuild "
	    "sendmail.cf, 'systemctl reload sendmail'"),
	WHY("starttls.old_version", "opensmtpd", NULL,
	    "OpenSMTPD: 'listen on ... tls protocols \"tlsv1.2,tlsv1.3\"' in /etc/smtpd.conf; restart smtpd"),
	WHY("cipher.old_protocol", "exim", NULL,
	    "Exim (GnuTLS): tls_require_ciphers = NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2 (OpenSSL builds: "
	    "openssl_options = +no_tlsv1 +no_tlsv1_1); 'systemctl reload exim4'"),
	WHY("cipher.old_protocol", "sendmail", NULL,
	    "Sendmail: O ServerSSLOptions=+SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1 (LOCAL_CONFIG in sendmail.mc); "
	    "'systemctl reload sendmail'"),
	WHY("cipher.old_protocol", "opensmtpd", NULL,
	    "OpenSMTPD: 'listen on ... tls protocols \"tlsv1.2,tlsv1.3\"' in /etc/smtpd.conf; restart smtpd"),
	WHY("ehlo.vrfy", "sendmail", NULL,
	    "Sendmail: define(`confPRIVACY_FLAGS', `authwarnings,novrfy,noexpn') (or goaway) in sendmail.mc, "
	    "rebuild sendmail.cf, 'systemctl reload sendmail'"),
	WHY("ehlo.expn", "sendmail", NULL,
	    "Sendmail: define(`confPRIVACY_FLAGS', `authwarnings,novrfy,noexpn') (or goaway) in sendmail.mc, "
	    "rebuild sendmail.cf ('make -C /etc/mail'), then 'systemctl reload sendmail'"),
	WHY("banner.version_disclosed", "exim", NULL,
	    "Exim: smtp_banner = $smtp_active_hostname ESMTP in the main section (Debian: "
	    "/etc/exim4/conf.d/main/02_exim4-config_options), then 'systemctl reload exim4'"),
	WHY("banner.version_disclosed", "sendmail", NULL,
	    "Sendmail: define(`confSMTP_LOGIN_MSG', `$j ESMTP') in sendmail.mc, rebuild sendmail.cf, "
	    "'systemctl reload sendmail'"),
	WHY("ptr.name_mismatch", "sendmail", NULL,
	    "Sendmail: define(`confDOMAIN_NAME', `<PTR name>') in sendmail.mc ($j, the greeting name), rebuild "
	    "sendmail.cf, or have the PTR changed"),
	WHY("ptr.name_mismatch", "opensmtpd", NULL,
	    "OpenSMTPD: 'listen on ... hostname <PTR name>' in /etc/smtpd.conf (or /etc/mailname), restart "
	    "smtpd; or have the PTR changed"),
	WHY("ptr.name_mismatch", "chasquid", NULL,
	    "chasquid: hostname: \"<PTR name>\" in /etc/chasquid/chasquid.conf, restart chasquid; or have the "
	    "PTR changed"),
	/* --- vendor words for the plugins' generic fixes (issue 23, item 6): a plugin says WHAT to
	 *     configure in general terms; each vendor's directive is here, so a server nobody can
	 *     name never gets another vendor's words (tests/integration/kbwords.py checks the table).
	 *     Fixes that carry a profile's number (starttls.old_version, cipher.old_protocol,
	 *     cipher.forbidden_*, certificate.weak_key ...) are worded by the plugin from
	 *     sd_session_software() for Postfix and Exchange. --- */
	WHY("starttls.missing", "postfix", NULL,
	    "Postfix: smtpd_tls_security_level = may with smtpd_tls_chain_files (key, certificate, "
	    "intermediates) in main.cf, then 'postfix reload'"),
	WHY("starttls.missing", "exchange", NULL,
	    "Exchange: a certificate with the server's name, Enable-ExchangeCertificate -Services SMTP (the "
	    "Receive Connector then offers STARTTLS), then restart MSExchangeTransport"),
	WHY("starttls.required", "postfix", NULL,
	    "Postfix: smtpd_tls_security_level = may for the smtp service on port 25 (keep encrypt for the "
	    "submission service in master.cf), then 'postfix reload'; to require TLS from senders that can do "
	    "it, publish MTA-STS or DANE"),
	WHY("starttls.required", "exchange", NULL,
	    "Exchange: Set-ReceiveConnector -RequireTLS $false on the Internet-facing (Default Frontend) "
	    "connector; to require TLS from senders that can do it, publish MTA-STS or DANE"),
	WHY("starttls.not_enforced", "postfix", NULL,
	    "Postfix master.cf submission service: -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes, "
	    "then 'postfix reload'"),
	WHY("starttls.not_enforced", "exchange", NULL,
	    "Exchange: Set-ReceiveConnector -RequireTLS $true on the client (Client Frontend) connector"),
	WHY("starttls.not_enforced", "exim", NULL,
	    "Exim: on the submission port deny MAIL with '!encrypted = *' in acl_smtp_mail (condition on "
	    "$received_port) and auth_advertise_hosts = ${if eq{$tls_in_cipher}{}{}{*}}; 'systemctl reload exim4'"),
	WHY("starttls.not_enforced", "opensmtpd", NULL,
	    "OpenSMTPD: 'listen on ... port submission tls-require auth' in /etc/smtpd.conf, then restart smtpd"),
	WHY("starttls.refused", "postfix", NULL,
	    "Postfix: check smtpd_tls_chain_files (or smtpd_tls_cert_file/key_file) and their permissions (the "
	    "mail log says 'cannot load certificate'), then 'postfix reload'"),
	WHY("starttls.refused", "exchange", NULL,
	    "Exchange: Enable-ExchangeCertificate -Services SMTP for a valid certificate (Get-ExchangeCertificate "
	    "shows which is bound), then restart MSExchangeTransport"),
	WHY("starttls.refused", "exim", NULL,
	    "Exim: tls_certificate and tls_privatekey must name readable files (Debian: readable by the "
	    "Debian-exim group); 'exim -bV' and the mainlog show the error; 'systemctl reload exim4'"),
	WHY("starttls.handshake_failed", "postfix", NULL,
	    "Postfix: smtpd_tls_loglevel = 1 in main.cf, 'postfix reload', and read the TLS library error in "
	    "the mail log at the time of this test"),
	WHY("starttls.client_cert_required", "postfix", NULL,
	    "Postfix: on port 25 smtpd_tls_ask_ccert = yes and smtpd_tls_req_ccert = no; require client "
	    "certificates only on a relay service for known partners (master.cf)"),
	WHY("starttls.weak_dh", "postfix", NULL,
	    "Postfix: remove smtpd_tls_dh1024_param_file (or point it at a 2048-bit file from 'openssl dhparam "
	    "2048'); tls_eecdh_auto_curves = X25519 X448 prime256v1 secp384r1; then 'postfix reload'"),
	WHY("starttls.weak_dh", "exim", NULL,
	    "Exim: tls_dhparam = ffdhe2048 (or ffdhe3072); prefer ECDHE suites; 'systemctl reload exim4'"),
	/* the same remedy as cipher.no_forward_secrecy: a static-RSA suite was
	 * chosen because one is enabled; removing them leaves ECDHE */
	WHY("starttls.no_forward_secrecy", "postfix", NULL,
	    "Postfix: smtpd_tls_exclude_ciphers = kRSA (keep the ECDHE suites: a changed tls_low/medium/"
	    "high_cipherlist must still list them) in main.cf, then 'postfix reload'"),
	WHY("starttls.no_forward_secrecy", "exchange", NULL,
	    "Exchange: remove the TLS_RSA_* suites from the SCHANNEL cipher suite order (Disable-TlsCipherSuite) "
	    "and keep the ECDHE suites first, then restart the server"),
	WHY("starttls.inconsistent", "postfix", NULL,
	    "Postfix on each node: smtpd_tls_security_level = may and smtpd_tls_chain_files with the same "
	    "certificate"),
	WHY("cipher.starttls_inconsistent", "postfix", NULL,
	    "Postfix on each node: smtpd_tls_security_level = may and smtpd_tls_chain_files with the same "
	    "certificate; then run again"),
	WHY("certificate.sni_required", "postfix", NULL,
	    "Postfix: smtpd_tls_chain_files is the certificate sent without SNI: make it the one for {server}; "
	    "tls_server_sni_maps only for the other names; 'postfix reload'"),
	WHY("certificate.sni_required", "exim", NULL,
	    "Exim: the certificate for {server} must be tls_certificate's value when ${tls_sni} is empty; "
	    "'systemctl reload exim4'"),
	WHY("certificate.sni_required", "exchange", NULL,
	    "Exchange: the certificate bound to the Receive Connector's Fqdn ({server}) is the one sent without "
	    "SNI: Enable-ExchangeCertificate -Services SMTP for it (Set-ReceiveConnector -TlsCertificateName)"),
	WHY("cipher.client_order", "postfix", NULL,
	    "Postfix: tls_preempt_cipherlist = yes in main.cf, then 'postfix reload'"),
	WHY("cipher.client_order", "exim", NULL,
	    "Exim (OpenSSL builds): openssl_options = +cipher_server_preference; GnuTLS builds: "
	    "tls_require_ciphers with %SERVER_PRECEDENCE; 'systemctl reload exim4'"),
	WHY("cipher.client_order", "exchange", NULL,
	    "Exchange: SCHANNEL always applies the server's order, so something else terminates TLS: check a "
	    "proxy or load balancer in front of the server"),
	WHY("cipher.weak_dh", "postfix", NULL,
	    "Postfix: smtpd_tls_dh1024_param_file = a 2048-bit or larger file (or remove it: Postfix 3.7+ with "
	    "OpenSSL 3 uses tls_ffdhe_auto_groups), then 'postfix reload'"),
	WHY("cipher.weak_dh", "exim", NULL, "Exim: tls_dhparam = ffdhe2048 (or ffdhe3072); 'systemctl reload exim4'"),
	WHY("cipher.weak_dh", "exchange", NULL,
	    "Exchange/Windows: ServerMinKeyBitLength = 2048 under the SCHANNEL KeyExchangeAlgorithms\\Diffie-Hellman "
	    "registry key, then restart the server"),
	WHY("cipher.no_forward_secrecy", "postfix", NULL,
	    "Postfix: smtpd_tls_exclude_ciphers = kRSA (keep the ECDHE suites: a changed tls_low/medium/"
	    "high_cipherlist must still list them) in main.cf, then 'postfix reload'"),
	WHY("cipher.no_forward_secrecy", "exchange", NULL,
	    "Exchange: remove the TLS_RSA_* suites from the SCHANNEL cipher suite order (Disable-TlsCipherSuite) "
	    "and keep the ECDHE suites first, then restart the server"),
	WHY("cipher.incomplete", "postfix", NULL,
	    "run again with parallel: 1 and a longer backoff in the profile, or exempt this client from "
	    "Postfix's limits: smtpd_client_event_limit_exceptions (smtpd_client_connection_rate_limit)"),
	WHY("cipher.incomplete", "exchange", NULL,
	    "run again with parallel: 1 and a longer backoff in the profile, or raise Set-ReceiveConnector "
	    "-MaxInboundConnectionPerSource for this client's connector"),
	WHY("ehlo.size_small", "postfix", NULL, "Postfix: message_size_limit (bytes) in main.cf, then 'postfix reload'"),
	WHY("ehlo.size_small", "exchange", NULL,
	    "Exchange: Set-ReceiveConnector -MaxMessageSize and Set-TransportConfig -MaxReceiveSize"),
	WHY("ehlo.size_small", "exim", NULL,
	    "Exim: message_size_limit in the main section of the configuration, then 'systemctl reload exim4'"),
	WHY("ehlo.size_small", "sendmail", NULL,
	    "Sendmail: define(`confMAX_MESSAGE_SIZE', <bytes>) in sendmail.mc, rebuild sendmail.cf, then "
	    "'systemctl reload sendmail'"),
	WHY("ehlo.vrfy", "postfix", NULL, "Postfix: disable_vrfy_command = yes in main.cf, then 'postfix reload'"),
	WHY("ehlo.forbidden_present", NULL,
	    "the profile forbids this EHLO extension (its hardening baseline: ehlo.forbid), and the server "
	    "advertises it",
	    "turn the extension off in the server's configuration (VRFY: the server's 'disable VRFY' setting; "
	    "other keywords: its list of EHLO keywords to hide), or drop it from the profile's ehlo.forbid if "
	    "it is wanted"),
	WHY("ehlo.forbidden_present", "postfix", NULL,
	    "Postfix: VRFY: disable_vrfy_command = yes; ETRN: smtpd_etrn_restrictions = reject; any other "
	    "keyword: smtpd_discard_ehlo_keywords in main.cf; then 'postfix reload'"),
	WHY("ehlo.expn", "exim", NULL, "Exim: remove smtp_expn_hosts (and acl_smtp_expn); 'systemctl reload exim4'"),
	WHY("banner.no_hostname", "postfix", NULL, "Postfix: smtpd_banner = $myhostname ESMTP in main.cf, then 'postfix reload'"),
	WHY("banner.no_hostname", "exchange", NULL,
	    "Exchange: Set-ReceiveConnector -Fqdn mail.example.com (the greeting uses the connector's FQDN; a "
	    "custom -Banner must begin with it)"),
	WHY("banner.no_hostname", "exim", NULL,
	    "Exim: smtp_banner = $smtp_active_hostname ESMTP in the main section, then 'systemctl reload exim4'"),
	WHY("banner.no_hostname", "sendmail", NULL,
	    "Sendmail: define(`confSMTP_LOGIN_MSG', `$j ESMTP') in sendmail.mc, rebuild sendmail.cf, then "
	    "'systemctl reload sendmail'"),
	WHY("banner.hostname_mismatch", "postfix", NULL, "Postfix: myhostname in main.cf (the greeting's name), then 'postfix reload'"),
	WHY("banner.hostname_mismatch", "exchange", NULL, "Exchange: the Receive Connector's Fqdn (Set-ReceiveConnector -Fqdn)"),
	WHY("banner.hostname_mismatch", "exim", NULL,
	    "Exim: primary_hostname (or smtp_active_hostname) in the main section, then 'systemctl reload exim4'"),
	WHY("banner.hostname_mismatch", "sendmail", NULL,
	    "Sendmail: define(`confDOMAIN_NAME', `<name>') in sendmail.mc ($j), rebuild sendmail.cf, then "
	    "'systemctl reload sendmail'"),
	WHY("banner.version_disclosed", "postfix", NULL,
	    "Postfix: smtpd_banner = $myhostname ESMTP in main.cf (no $mail_version), then 'postfix reload'"),
	WHY("banner.version_disclosed", "exchange", NULL,
	    "Exchange: Set-ReceiveConnector -Banner '220 <FQDN> ESMTP' on the Internet-facing connector"),
	WHY("user_enum.not_determined", "postfix", NULL,
	    "nothing to fix for enumeration; to test it, whitelist this client's address in the greylisting "
	    "policy service (postgrey: /etc/postgrey/whitelist_clients.local) and run again"),
};

const size_t sd_kb_builtin_count = sizeof(sd_kb_builtin) / sizeof(sd_kb_builtin[0]);

/* finding id -> the CVEs and RFCs it concerns (docs/vulnerabilities.md):
 * the JSON "references" of every finding with that id */
const sd_kb_ref sd_kb_refs[] = {
	{ "tls_weak.starttls_injection", "CVE-2011-0411 RFC 3207" },
	{ "tls_weak.insecure_renegotiation", "CVE-2009-3555 RFC 5746" },
	{ "tls_weak.client_renegotiation", "CVE-2011-1473" },
	{ "tls_weak.compression", "CVE-2012-4929 RFC 7457" },
	{ "tls_weak.no_fallback_scsv", "RFC 7507 CVE-2014-3566" },
	{ "tls_weak.no_extended_master_secret", "RFC 7627 CVE-2014-1295" },
	{ "tls_weak.no_ocsp_stapling", "RFC 6066 RFC 6960" },
	{ "tls_weak.ocsp_invalid", "RFC 6066 RFC 6960" },
	{ "tls_weak.ocsp_stale", "RFC 6960" },
	{ "tls_weak.no_resumption", "RFC 5077 RFC 8446" },
	{ "tls_weak.dh_common_prime", "CVE-2015-4000 RFC 7919" },
	{ "tls_weak.dh_export_prime", "CVE-2015-4000 RFC 7919" },
	{ "tls_weak.dh_unverifiable_prime", "RFC 5114 RFC 7919" },
	{ "smuggling.end_of_data", "CVE-2023-51764 CVE-2023-51765 CVE-2023-51766 RFC 5321" },
	{ "cipher.forbidden_rc4", "RFC 7465 CVE-2013-2566 CVE-2015-2808" },
	{ "cipher.forbidden_3des", "CVE-2016-2183 CVE-2016-6329" },
	{ "cipher.forbidden_des", "CVE-2016-2183" },
	{ "cipher.forbidden_export", "CVE-2015-0204 CVE-2015-4000" },
	{ "cipher.forbidden_null", "RFC 7525" },
	{ "cipher.forbidden_anonymous", "RFC 7525" },
	{ "cipher.forbidden_md5", "RFC 6151 RFC 7525" },
	{ "cipher.weak_dh", "CVE-2015-4000" },
	{ "starttls.weak_dh", "CVE-2015-4000" },
	{ "cipher.old_protocol", "RFC 8996" },
	{ "starttls.old_version", "RFC 8996" },
};

const size_t sd_kb_refs_count = sizeof(sd_kb_refs) / sizeof(sd_kb_refs[0]);
