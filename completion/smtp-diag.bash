# SPDX-License-Identifier: MIT
# smtp-diag.bash - bash completion for smtp-diag: its options (read from
# --help, so they never fall behind the program), check names after
# --checks (comma lists too), profile names after --profile and
# --explain-profile, the values of --tls, --format and --target-type, and
# files or directories where an option wants one. Checks and profiles come
# from the program itself (--list-checks, --list-profiles), honouring a
# --plugin-dir or --profile-dir given earlier on the line.
# Installed as <completionsdir>/smtp-diag; needs plain bash only (uses
# bash-completion's helpers when they are loaded).

# _smtp_diag_dirs - the --plugin-dir/--profile-dir words of the line, for
# the program runs that list checks and profiles
_smtp_diag_dirs()
{
	local i
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		--plugin-dir | --profile-dir)
			printf '%s\n%s\n' "${COMP_WORDS[i]}" "${COMP_WORDS[i + 1]}"
			;;
		--plugin-dir=* | --profile-dir=*)
			printf '%s\n' "${COMP_WORDS[i]}"
			;;
		esac
	done
}

# _smtp_diag - the completion function
_smtp_diag()
{
	local prog=${COMP_WORDS[0]} cur=${COMP_WORDS[COMP_CWORD]} prev=
	local -a dirs
	local IFS=$'\n'
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	mapfile -t dirs < <(_smtp_diag_dirs)

	case $prev in
	-c | --checks)
		local done_part="" list
		[[ $cur == *,* ]] && done_part=${cur%,*},
		list=$("$prog" "${dirs[@]}" --list-checks 2>/dev/null | awk '/^[a-z0-9]/ && !/REFUSED/ {print $1}')
		COMPREPLY=($(compgen -P "$done_part" -W "$list" -- "${cur##*,}"))
		compopt -o nospace 2>/dev/null
		return 0
		;;
	-P | --profile | --explain-profile)
		local list
		list=$("$prog" "${dirs[@]}" --list-profiles 2>/dev/null | awk '/^[a-z0-9]/ && !/^no profiles/ {print $1}')
		COMPREPLY=($(compgen -W "$list" -- "$cur") $(compgen -f -X '!*.y*ml' -- "$cur"))
		return 0
		;;
	--tls)
		COMPREPLY=($(compgen -W $'none\nstarttls\nimplicit' -- "$cur"))
		return 0
		;;
	--format)
		COMPREPLY=($(compgen -W $'text\njson\njsonl\nnagios\nopenmetrics' -- "$cur"))
		return 0
		;;
	--target-type)
		COMPREPLY=($(compgen -W $'server\ndomain' -- "$cur"))
		return 0
		;;
	--profile-dir | --plugin-dir)
		COMPREPLY=($(compgen -d -- "$cur"))
		return 0
		;;
	--targets | --ca-file | --auth-password-file | --body-file | --report | --report-from)
		COMPREPLY=($(compgen -f -- "$cur"))
		return 0
		;;
	-s | --server | --domain | -a | --address | -p | --port | -t | --timeout | -e | --ehlo-name | --set | \
		--var | --tls-parallel | --auth-user | --from | --to | --header | --body | --warning | --critical | \
		--parallel | --per-address | --rate | --rate-retries | --backoff | --dns-server | --dns-timeout)
		return 0 # a value of the user's own
		;;
	esac
	if [[ $cur == -* ]]; then
		local opts
		opts=$("$prog" --help 2>/dev/null | grep -o -e '--[a-z][a-z0-9-]*' | sort -u)
		COMPREPLY=($(compgen -W "$opts" -- "$cur"))
	fi
	return 0
}
complete -F _smtp_diag smtp-diag
