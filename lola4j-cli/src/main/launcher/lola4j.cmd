@echo off
rem lola4j: starts the command line (lola4j.jar, beside this script) with the Vector API module
rem and a heap ceiling of 75 % of the machine's memory (LOLA4J_HEAP=12g sets it instead).
rem JAVA_HOME selects the Java (else java on the PATH); LOLA4J_JAVA_OPTS adds JVM options.
setlocal
set "JAR=%~dp0lola4j.jar"
if not exist "%JAR%" (
    echo lola4j: %JAR% not found: build it with 'mvn -B -q -DskipTests package' in the checkout 1>&2
    exit /b 3
)
if defined JAVA_HOME (set "JAVA=%JAVA_HOME%\bin\java.exe") else (set "JAVA=java")
set "HEAP=-XX:MaxRAMPercentage=75"
if defined LOLA4J_HEAP set "HEAP=-Xmx%LOLA4J_HEAP%"
"%JAVA%" --add-modules jdk.incubator.vector %HEAP% %LOLA4J_JAVA_OPTS% -Dlola4j.launcher=lola4j -jar "%JAR%" %*
exit /b %ERRORLEVEL%
