# kmp11-tool as the tests run it. Sourced; needs TOOL, MODULE, T and fail.
#
#   tool ARGS...               kmp11-tool with the module under test
#   status EXPECTED ARGS...    runs it, its output in $T/out, and fails
#                              unless it exits EXPECTED

tool() { "$TOOL" --module "$MODULE" "$@"; }

status() {
	local want=$1 got=0
	shift
	tool "$@" >"$T/out" 2>&1 || got=$?
	[ "$got" = "$want" ] || fail "kmp11-tool $*: exit $got, expected $want: $(cat "$T/out")"
}
