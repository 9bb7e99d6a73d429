// Everything a rule plugin needs, in one include.
#pragma once

#include <billcheck/book.hpp>
#include <billcheck/date.hpp>
#include <billcheck/decimal.hpp>
#include <billcheck/entities.hpp>
#include <billcheck/finding.hpp>
#include <billcheck/log.hpp>
#include <billcheck/options.hpp>
#include <billcheck/plugin.hpp>
#include <billcheck/rule.hpp>
#include <billcheck/text.hpp>
#include <billcheck/version.hpp>
