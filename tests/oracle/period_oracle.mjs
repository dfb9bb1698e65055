// Prints the periods of DHIS2's own JavaScript period library (@dhis2/multi-calendar-dates) as
// JSON lines, for src/dhis2/period_oracle_test.cc to compare with ours. Run with node from any
// directory: node tests/oracle/period_oracle.mjs [--years 1990:2040] [--sample-years 1992,2013]
//   [--date-step DAYS] [--window-years 2004,2009,...] [--no-generate] [--types DAILY,WEEKLY,...]
// The library is slow (getFixedPeriodByDate takes up to 20 ms), so dates are sampled: every
// DAYS days over the years, plus every day from 28 December to 4 January around each window year.
// --sample-years narrows the years of the types shorter than a year, and the dates, to those
// listed (the yearly types, cheap, always cover --years).
//   {"k":"gen","t":TYPE,"y":YEAR,"id":ID,"s":START,"e":END}  generateFixedPeriods, every year and
//                                                     type (no "y" for the yearly types)
//   {"k":"parse","t":TYPE,"id":ID,"s":START,"e":END}  createFixedPeriodFromPeriodId of each id
//   {"k":"date","t":TYPE,"d":DATE,"id":ID,"s":START,"e":END}  getFixedPeriodByDate
//   {"k":"error","what":...,"message":...}            a call that threw
//   {"k":"done","count":N}                             last line
// TYPE is the library's period type name (WEEKLY, FYAPR, ...). The ESM build of version 2.1.2 has
// directory imports node refuses, so the CommonJS build is loaded.
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const mcd = require('@dhis2/multi-calendar-dates')

const option = (name, fallback) => {
    const index = process.argv.indexOf(name)
    return index >= 0 ? process.argv[index + 1] : fallback
}
const [firstYear, lastYear] = option('--years', '1990:2040').split(':').map(Number)
const dateStep = Number(option('--date-step', '0'))
const windowYears = option('--window-years', '').split(',').filter(Boolean).map(Number)
const sampleYears = option('--sample-years', '').split(',').filter(Boolean).map(Number)
const inSample = (year) => sampleYears.length === 0 || sampleYears.includes(year)
const generate = !process.argv.includes('--no-generate')
const calendar = 'gregory'

const allTypes = [
    'DAILY', 'WEEKLY', 'WEEKLYWED', 'WEEKLYTHU', 'WEEKLYFRI', 'WEEKLYSAT', 'WEEKLYSUN',
    'BIWEEKLY', 'MONTHLY', 'BIMONTHLY', 'QUARTERLY', 'QUARTERLYNOV', 'SIXMONTHLY',
    'SIXMONTHLYAPR', 'SIXMONTHLYNOV', 'YEARLY', 'FYFEB', 'FYAPR', 'FYJUL', 'FYAUG', 'FYSEP',
    'FYOCT', 'FYNOV',
]
const types = option('--types', allTypes.join(',')).split(',')
const yearlyTypes = new Set(['YEARLY', 'FYFEB', 'FYAPR', 'FYJUL', 'FYAUG', 'FYSEP', 'FYOCT', 'FYNOV'])

const out = []
let count = 0
const emit = (record) => {
    out.push(JSON.stringify(record))
    count++
    if (out.length >= 10000) {
        process.stdout.write(out.join('\n') + '\n')
        out.length = 0
    }
}
const guard = (what, fn) => {
    try {
        fn()
    } catch (error) {
        emit({ k: 'error', what, message: String(error && error.message) })
    }
}

for (const t of generate ? types : []) {
    const generated = []
    if (yearlyTypes.has(t)) {
        guard(`generate ${t}`, () => {
            generated.push(...mcd.generateFixedPeriods({
                year: lastYear, calendar, periodType: t, locale: 'en',
                yearsCount: lastYear - firstYear + 1,
            }))
        })
    } else {
        for (let year = firstYear; year <= lastYear; year++) {
            if (!inSample(year)) {
                continue
            }
            guard(`generate ${t} ${year}`, () => {
                const periods = mcd.generateFixedPeriods({ year, calendar, periodType: t, locale: 'en' })
                generated.push(...periods.map((p) => ({ ...p, year })))
            })
        }
    }
    // Parsing an id of the daily and weekly types takes up to 30 ms (the library regenerates
    // the year), so only the first and last two of each year are parsed back.
    const sampled = t === 'DAILY' || t.startsWith('WEEKLY')
    generated.forEach((p, index) => {
        emit({ k: 'gen', t, y: p.year, id: p.id, s: p.startDate, e: p.endDate })
        const next = generated[index + 1]
        const previous = generated[index - 1]
        const yearEdge = !next || !previous || next.id.slice(0, 4) !== p.id.slice(0, 4) ||
            previous.id.slice(0, 4) !== p.id.slice(0, 4) ||
            (generated[index + 2] && generated[index + 2].id.slice(0, 4) !== p.id.slice(0, 4)) ||
            (generated[index - 2] && generated[index - 2].id.slice(0, 4) !== p.id.slice(0, 4))
        if (sampled && !yearEdge) {
            return
        }
        guard(`parse ${p.id}`, () => {
            const q = mcd.createFixedPeriodFromPeriodId({ periodId: p.id, calendar })
            emit({ k: 'parse', t, id: q.id, s: q.startDate, e: q.endDate })
        })
    })
}

const pad = (n, width) => String(n).padStart(width, '0')
const iso = (date) =>
    `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`
const dates = new Set()
for (let day = Date.UTC(firstYear, 0, 1); dateStep > 0 && day <= Date.UTC(lastYear, 11, 31);
    day += dateStep * 86400000) {
    if (inSample(new Date(day).getUTCFullYear())) {
        dates.add(iso(new Date(day)))
    }
}
// Every day around the new years where weeks and bi-weeks change year.
for (const year of windowYears) {
    for (let offset = -4; offset <= 3; offset++) {
        dates.add(iso(new Date(Date.UTC(year, 0, 1) + offset * 86400000)))
    }
}
for (const t of types) {
    for (const d of dates) {
        guard(`date ${t} ${d}`, () => {
            const p = mcd.getFixedPeriodByDate({ periodType: t, date: d, calendar })
            emit({ k: 'date', t, d, id: p.id, s: p.startDate, e: p.endDate })
        })
    }
}
process.stdout.write(out.join('\n') + (out.length ? '\n' : ''))
process.stdout.write(JSON.stringify({ k: 'done', count }) + '\n')
