#!/bin/bash
# PD-hours transcript with real processes: a hub and an enrolled school; a teacher earns
# wait-time (8 PD hours, v1) through the review loop (submit at the school, the hub's assessor
# scores every part meets and decides). At the school after sync, and at the hub: the transcript
# lists it with its title, version, hours, award id and date, a year total and a grand total of
# 8; --csv and --json carry the same; a period that excludes the award date lists nothing and
# totals 0. Bad input: 2026-02-30, garbage, from after to, an unknown educator: a clear error
# and exit status 1. A colleague with no award: an empty transcript, total 0.
# Holders (cairn holders wait-time): Ada, at the school named as this school, at the hub as the
# name the school enrolled with; another credential has none; an unknown one is an error.
# Staff view (cairn staff --stack questioning-discourse --csv) at the school and the hub: Ada
# earned wait-time, Ben in progress (a draft) on it and recommended accountable-talk.
# Hub report (cairn report [--by credential] --csv): one award, none in review, one decided
# within seconds (median 0.000 days); refused at a school.
# Time zones ([school] timezone): the same award in Pacific/Kiritimati (UTC+14) and
# Pacific/Pago_Pago (UTC-11) falls on two different local days (25 hours apart); the transcript
# prints each zone's day and counts --from/--to in it, and so do holders; check-config refuses a zone the database
# lacks, naming the line.
source "$(dirname "$0")/sync_lib.sh"
export TZ=UTC # the daemons' default zone is the box's: the dates below are computed in UTC

init_node hub hub
init_node school school
start_hub hub
c hub catalog import "$CATALOG" >/dev/null
enrol school hub
start_node school
wait_catalog school 1 5 || fail "catalog did not reach the school"
part="school:$(node_id school)"

c hub educator add --name "Rita Assessor" --role assessor >/dev/null
ed=$(c school educator add --name "Ada Okafor" --role teacher | tr -d '[:space:]')
ben=$(c school educator add --name "Ben Idle" --role teacher | tr -d '[:space:]')
sub=$(c school submission start --educator "$ed" --credential wait-time | tr -d '[:space:]')
head -c 4000 /dev/urandom >"$T/v.mp4"
printf 'name,answers\nA,3\n' >"$T/t.csv"
c school evidence add "$sub" --part video "$T/v.mp4" >/dev/null
c school evidence add "$sub" --part tally "$T/t.csv" >/dev/null
c school evidence add "$sub" --part reflection --text "It worked." >/dev/null
c school submission submit "$sub" >/dev/null
wait_hash_equal hub school "$part" 10 || fail "submission did not reach the hub"
export CAIRN_AS="Rita Assessor"
c hub review claim "$sub" >/dev/null
for p in video tally reflection; do c hub review score "$sub" --part $p --meets >/dev/null; done
out=$(c hub review decide "$sub")
unset CAIRN_AS
award=$(echo "$out" | sed -n 's/.*award \([0-9a-z]*\).*/\1/p')
[ -n "$award" ] || fail "no award in: $out"
for i in $(seq 1 200); do
    [ "$(db school "SELECT count(*) FROM awards WHERE id='$award'")" = 1 ] && break
    sleep 0.05
done
assert_eq "$(db school "SELECT count(*) FROM awards WHERE id='$award'")" 1 "award at the school"
issued=$(db school "SELECT issued FROM awards WHERE id='$award'")
day=$(date -u -d "@$((issued / 1000))" +%F)
year=${day:0:4}
pass "award $award issued $day reached the school"

for node in school hub; do
    out=$(c $node transcript "Ada Okafor")
    assert_contains "$out" "PD transcript: Ada Okafor (educator $ed)" "$node: header"
    assert_contains "$out" "Period: all awards to date" "$node: period"
    row=$(grep "$award" <<<"$out") || fail "$node: no row for the award in: $out"
    assert_contains "$row" "$day" "$node: award date"
    assert_contains "$row" "wait-time" "$node: credential"
    assert_contains "$row" " v1 " "$node: version"
    assert_contains "$row" " 8 " "$node: PD hours"
    assert_contains "$row" "Wait Time for Deeper Thinking" "$node: title"
    assert_contains "$out" "  $year: 1 credential, 8 PD hours" "$node: year total"
    assert_contains "$out" "Total: 1 credential, 8 PD hours" "$node: grand total"
done
pass "transcript at the school (after sync) and at the hub: one credential, 8 PD hours"

out=$(c school transcript "${ed:0:8}" --csv)
assert_eq "$(sed -n 1p <<<"$out")" "date,credential,version,title,pd_hours,award" "csv header"
assert_eq "$(sed -n 2p <<<"$out")" "$day,wait-time,1,Wait Time for Deeper Thinking,8,$award" "csv row"
assert_eq "$(wc -l <<<"$out")" 2 "csv lines"
out=$(c school transcript "$ed" --json --from "$day" --to "$day")
python3 - "$out" "$award" "$day" "$year" <<'PY' || fail "json transcript: $out"
import json, sys
t = json.loads(sys.argv[1])
assert t["name"] == "Ada Okafor" and t["from"] == sys.argv[3] and t["to"] == sys.argv[3], t
assert [a["award"] for a in t["awards"]] == [sys.argv[2]], t
assert t["awards"][0]["pd_hours"] == 8 and t["awards"][0]["date"] == sys.argv[3], t
assert t["years"] == [{"year": int(sys.argv[4]), "credentials": 1, "pd_hours": 8}], t
assert t["total_pd_hours"] == 8 and t["total_credentials"] == 1, t
PY
pass "--csv and --json (one day period including the award) carry the same"

next=$(date -u -d "$day + 1 day" +%F)
prev=$(date -u -d "$day - 1 day" +%F)
out=$(c school transcript "Ada Okafor" --from "$next")
assert_contains "$out" "Period: $next to today" "period header"
assert_contains "$out" "no credentials earned in this period" "after the award"
out=$(c school transcript "Ada Okafor" --to "$prev" --json)
assert_contains "$out" '"awards": [], "years": [], "total_credentials": 0, "total_pd_hours": 0' "before"
assert_contains "$(c school transcript "Ben Idle")" "no credentials earned" "no awards"
pass "periods that exclude the award, and an educator with none: empty, total 0"

expect_fail "bad date '2026-02-30': no such day" c school transcript "$ed" --from 2026-02-30
expect_fail "bad date 'yesterday': expected YYYY-MM-DD" c school transcript "$ed" --to yesterday
expect_fail "bad date '2026-1-05': expected YYYY-MM-DD" c school transcript "$ed" --to 2026-1-05
expect_fail "'from' 2026-03-02 is after 'to' 2026-03-01" \
    c school transcript "$ed" --from 2026-03-02 --to 2026-03-01
expect_fail "no educator named or with id 'Nobody'" c school transcript Nobody
expect_fail "missing EDUCATOR" c school transcript
expect_fail "not both" c school transcript "$ed" --csv --json
pass "bad dates, from after to, unknown educator: clear errors, exit non-zero"

for node in school hub; do
    out=$(c $node holders wait-time)
    assert_contains "$out" "wait-time: Wait Time for Deeper Thinking" "$node: holders header"
    assert_contains "$out" "1 holder" "$node: holders count"
    row=$(grep "Ada Okafor" <<<"$out") || fail "$node: Ada not among the holders: $out"
    assert_eq "$(awk '{print $3, $4, $5, $6}' <<<"$row")" "school $day v1 $award" "$node: holder row"
done
assert_eq "$(db hub "SELECT name FROM peers WHERE role = 'school'")" school "the hub's peer name"
assert_eq "$(c hub holders wait-time --csv)" "name,school,awarded,version,award,educator
Ada Okafor,school,$day,1,$award,$ed" "holders --csv"
assert_contains "$(c hub holders accountable-talk)" "0 holders" "no holders"
expect_fail "no credential 'nope' in the catalog" c hub holders nope
pass "holders of wait-time at the school and the hub; none; unknown credential refused"

bsub=$(c school submission start --educator "$ben" --credential wait-time | tr -d '[:space:]')
c school recommend --to "Ben Idle" --credential accountable-talk --as "Ada Okafor" >/dev/null
want="name,role,educator,wait-time,higher-order-questioning,accountable-talk
Ada Okafor,teacher,$ed,earned,-,-
Ben Idle,teacher,$ben,in progress,-,recommended"
assert_eq "$(c school staff --stack questioning-discourse --csv)" "$want" "staff view at the school"
wait_hash_equal hub school "$part" 10 || fail "Ben's draft did not reach the hub"
assert_eq "$(c hub staff --stack questioning-discourse --csv)" "$want" "staff view at the hub"
out=$(c school staff)
assert_contains "$out" "  1  accountable-talk" "legend of the whole catalog"
assert_contains "$(grep '^Ada Okafor' <<<"$out")" "earned" "Ada's row in the whole view"
expect_fail "no stack 'nope'" c school staff --stack nope
pass "staff view at the school and the hub: earned, in progress, recommended, -"

sid=$(node_id school)
assert_eq "$(c hub report --csv)" "key,name,awards,in_review,decided,median_days
$sid,school,1,0,1,0.000" "report by school"
assert_eq "$(c hub report --by credential --csv)" "key,name,awards,in_review,decided,median_days
wait-time,Wait Time for Deeper Thinking,1,0,1,0.000" "report by credential"
out=$(c hub report)
assert_contains "$(grep '^school ' <<<"$out")" "1       0          1        0.0" "report table row"
assert_contains "$out" "(all)" "report total row"
expect_fail "this node is a school" c school report
expect_fail "bad --by 'district'" c hub report --by district
pass "hub report by school and by credential; refused at a school"

# Time zones: restart the school with [school] timezone set, two zones 25 hours apart.
conf="$T/school/cairnd.conf"
cp "$conf" "$T/school.conf.orig"
printf '\n[school]\ntimezone = Mars/Olympus\n' >>"$conf"
out=$("$CAIRND" check-config --data "$T/school" 2>&1) && fail "check-config took Mars/Olympus"
assert_contains "$out" "bad value 'Mars/Olympus' for timezone in [school]" "bad zone named"
assert_contains "$out" "is not a time zone in" "bad zone reason"
stop_node school
for zone in Pacific/Kiritimati Pacific/Pago_Pago; do
    cp "$T/school.conf.orig" "$conf"
    printf '\n[school]\ntimezone = %s\n' "$zone" >>"$conf"
    assert_eq "$("$CAIRND" check-config --data "$T/school")" ok "check-config with $zone"
    start_node school
    local_day=$(TZ="$zone" date -d "@$((issued / 1000))" +%F)
    out=$(c school transcript "Ada Okafor")
    assert_contains "$out" "(award dates, $zone)" "$zone: header"
    assert_contains "$(grep "$award" <<<"$out")" "$local_day" "$zone: local award date"
    assert_contains "$out" "  ${local_day:0:4}: 1 credential, 8 PD hours" "$zone: year total"
    out=$(c school transcript "Ada Okafor" --from "$local_day" --to "$local_day" --csv)
    assert_eq "$(sed -n 2p <<<"$out")" "$local_day,wait-time,1,Wait Time for Deeper Thinking,8,$award" \
        "$zone: a one-day period is the local day"
    assert_contains "$(grep "Ada Okafor" <<<"$(c school holders wait-time)")" "$local_day" \
        "$zone: holders print the local day too"
    out=$(c school transcript "Ada Okafor" --to "$(TZ="$zone" date -d "$local_day - 1 day" +%F)")
    assert_contains "$out" "no credentials earned in this period" "$zone: the day before"
    eval "day_${zone//[\/]/_}=$local_day"
    stop_node school
done
[ "$day_Pacific_Kiritimati" != "$day_Pacific_Pago_Pago" ] ||
    fail "the two zones gave the same day $day_Pacific_Kiritimati"
pass "transcript days in the school's zone: $day_Pacific_Kiritimati (UTC+14), $day_Pacific_Pago_Pago (UTC-11); a bad zone refused"
